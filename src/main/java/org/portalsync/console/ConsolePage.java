package org.portalsync.console;

/** The frame of every console page: title, navigation, who is signed in and the sign-out button. */
public final class ConsolePage {

    private static final String[][] NAVIGATION = {
        {"/console", "Overview"}, {"/console/patients", "Patients"}, {"/console/dead-letters", "Dead letters"},
        {"/console/authority", "Authority"}, {"/console/mappings", "Mappings"}, {"/console/alerts", "Alerts"},
        {"/console/reconciliation", "Reconciliation"}};

    private ConsolePage() {
    }

    /** @param session null on the sign-in page */
    public static String render(String title, ConsoleSession session, String body) {
        StringBuilder page = new StringBuilder(4096);
        page.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(Html.escape(title)).append(" &middot; portal-sync console</title>")
                .append("<link rel=\"stylesheet\" href=\"/console/console.css\"></head><body>");
        page.append("<header><span class=\"brand\">portal-sync</span>");
        if (session != null) {
            page.append("<nav>");
            for (String[] link : NAVIGATION) {
                page.append("<a href=\"").append(link[0]).append("\">").append(link[1]).append("</a>");
            }
            page.append("</nav><form class=\"signout\" method=\"post\" action=\"/console/logout\">").append(Html.csrfField(session))
                    .append("<span class=\"who\">").append(Html.escape(session.username())).append(" (").append(session.role().configName())
                    .append(")</span> <button type=\"submit\">Sign out</button></form>");
        }
        page.append("</header><main><h1>").append(Html.escape(title)).append("</h1>").append(body).append("</main></body></html>");
        return page.toString();
    }
}
