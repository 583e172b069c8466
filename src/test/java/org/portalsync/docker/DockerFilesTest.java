package org.portalsync.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portalsync.bootstrap.PortalSyncMain;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;

/**
 * Static checks of {@code docker/} against the build and the code (no Docker engine needed): the
 * image copies what the pom produces to where the jar's manifest looks, the folders the engine
 * reads, and compose sets only settings that exist, with no secret written into it.
 */
class DockerFilesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path DOCKERFILE = ROOT.resolve("docker/Dockerfile");
    private static final Path DOCKERIGNORE = ROOT.resolve("docker/Dockerfile.dockerignore");
    private static final Path COMPOSE = ROOT.resolve("docker/compose.yaml");
    private static final String ENGINE = "portal-sync";
    /** The launcher, in the project and (below the home) in the image. */
    private static final String LAUNCHER = "bin/portal-sync";
    /** The only value a secret may have in compose: a variable, at most with the marked dev default. */
    private static final Pattern SECRET_REFERENCE = Pattern.compile("\\$\\{[A-Z_][A-Z0-9_]*(:-change-me)?}");

    private static List<Instruction> dockerfile;
    private static Map<String, Object> compose;
    private static String composeText;

    /** One Dockerfile instruction; stage counts the FROMs before it (0 = first stage). */
    record Instruction(int stage, String keyword, String args) {
    }

    /** A shell-form COPY: its flags, context or stage sources, and destination. */
    record Copy(int stage, Map<String, String> flags, List<String> sources, String destination) {
        boolean fromContext() {
            return !flags.containsKey("from");
        }
    }

    @BeforeAll
    static void readFiles() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("tests run from the project root").exists();
        dockerfile = parseDockerfile(Files.readString(DOCKERFILE, StandardCharsets.UTF_8));
        composeText = Files.readString(COMPOSE, StandardCharsets.UTF_8);
        compose = map(new Load(LoadSettings.builder().build()).loadFromString(composeText));
    }

    // ------------------------------------------------------------------ Dockerfile vs pom.xml

    @Test
    void imageCopiesTheJarAndLibFolderThePomBuildsWhereTheManifestClassPathLooks() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        XPath xpath = XPathFactory.newInstance().newXPath();
        String finalName = xpath.evaluate("/project/build/finalName", pom).trim();
        String outputDirectory = xpath.evaluate("/project/build/plugins/plugin[artifactId='maven-dependency-plugin']"
                + "/executions/execution[goals/goal='copy-dependencies']/configuration/outputDirectory", pom).trim();
        String classpathPrefix = xpath.evaluate("/project/build/plugins/plugin[artifactId='maven-jar-plugin']"
                + "/configuration/archive/manifest/classpathPrefix", pom).trim();
        String mainClass = xpath.evaluate("/project/build/plugins/plugin[artifactId='maven-jar-plugin']"
                + "/configuration/archive/manifest/mainClass", pom).trim();

        assertThat(finalName).isEqualTo("portal-sync");
        assertThat(outputDirectory).startsWith("${project.build.directory}/");
        String libFolder = outputDirectory.substring("${project.build.directory}/".length());
        assertThat(libFolder).isEqualTo("lib");
        assertThat(classpathPrefix).as("the manifest Class-Path must name the folder the dependencies are copied to")
                .isEqualTo(libFolder + "/");
        assertThat(mainClass).isEqualTo(PortalSyncMain.class.getName());
        String jar = finalName + ".jar";

        int build = stageNamed("build");
        int runtime = lastStage();
        assertThat(build).isLessThan(runtime);
        assertThat(from(build)).isEqualTo("eclipse-temurin:17-jdk AS build");
        assertThat(from(runtime)).isEqualTo("eclipse-temurin:17-jre");

        String target = workdir(build) + "/target/";
        List<Copy> fromBuild = copies(runtime).stream().filter(copy -> "build".equals(copy.flags().get("from"))).toList();
        assertThat(fromBuild).as("exactly the jar and the lib folder come from the build stage")
                .extracting(copy -> copy.sources().get(0))
                .containsExactlyInAnyOrder(target + jar, target + libFolder + "/");
        String home = workdir(runtime);
        for (Copy copy : fromBuild) {
            assertThat(copy.sources()).hasSize(1);
            String expected = copy.sources().get(0).endsWith(".jar") ? home + "/" + jar : home + "/" + libFolder;
            assertThat(absolute(home, copy.destination())).as("destination of %s", copy.sources()).isEqualTo(expected);
        }

        // the launcher takes <its folder's parent>/portal-sync.jar: the jar's destination above
        List<String> entrypoint = jsonArray(single(runtime, "ENTRYPOINT"));
        assertThat(entrypoint).containsExactly(home + "/" + LAUNCHER);
        assertThat(Files.readString(ROOT.resolve(LAUNCHER), StandardCharsets.UTF_8)).contains("jar=$home/" + jar);
        assertThat(dockerfile.stream().anyMatch(i -> i.keyword().equals("CMD") && i.stage() == runtime)).isFalse();
    }

    @Test
    void buildStageCachesDependenciesBeforeCopyingSources() {
        int build = stageNamed("build");
        List<Instruction> steps = dockerfile.stream().filter(i -> i.stage() == build).toList();
        int goOffline = indexOf(steps, "RUN", "./mvnw -q -B dependency:go-offline");
        int copySources = indexOf(steps, "COPY", "src/ src/");
        int packageJar = indexOf(steps, "RUN", "./mvnw -q -B package -DskipTests");
        assertThat(goOffline).isLessThan(copySources).isLessThan(packageJar);
        List<String> before = steps.subList(0, goOffline).stream().filter(i -> i.keyword().equals("COPY"))
                .map(DockerFilesTest::copy).flatMap(copy -> copy.sources().stream()).toList();
        assertThat(before).as("only the build definition precedes the dependency download")
                .containsExactlyInAnyOrder("mvnw", ".mvn/", "pom.xml");
    }

    // ------------------------------------------------------------------ Dockerfile vs the engine's folders

    @Test
    void imageHoldsConfigAndRoutesWhereTheEngineReadsThem() throws IOException {
        String configFolder = PortalSyncMain.CONFIG_FILE.substring(0, PortalSyncMain.CONFIG_FILE.indexOf('/'));
        String routes = PortalSyncMain.ROUTES.substring("file:".length());
        String routesFolder = routes.substring(0, routes.indexOf('/'));
        assertThat(ROOT.resolve(PortalSyncMain.CONFIG_FILE)).isRegularFile();
        try (Stream<Path> files = Files.list(ROOT.resolve(routesFolder))) {
            assertThat(files.filter(f -> f.toString().endsWith(".yaml"))).isNotEmpty();
        }

        int runtime = lastStage();
        String home = workdir(runtime);
        assertThat(home).isEqualTo("/opt/portal-sync");
        assertThat(single(runtime, "ENV")).as("the engine's home is the image's working directory")
                .isEqualTo(new Setting(PortalSyncSettings.HOME, "", "", false).environmentVariable() + "=" + home);
        Map<String, String> fromContext = new LinkedHashMap<>();
        copies(runtime).stream().filter(Copy::fromContext)
                .forEach(copy -> copy.sources().forEach(source -> fromContext.put(source, absolute(home, copy.destination()))));
        assertThat(fromContext).containsEntry(configFolder + "/", home + "/" + configFolder)
                .containsEntry(routesFolder + "/", home + "/" + routesFolder)
                .containsEntry(LAUNCHER, home + "/" + LAUNCHER);
        Copy launcher = copies(runtime).stream().filter(copy -> copy.sources().contains(LAUNCHER)).findFirst().orElseThrow();
        assertThat(launcher.flags()).containsEntry("chmod", "755");
        // the container's heap share is added to the launcher's options, after the copy of config/
        assertThat(dockerfile).filteredOn(i -> i.stage() == runtime && i.keyword().equals("RUN")).extracting(Instruction::args)
                .anyMatch(run -> run.contains("'-XX:MaxRAMPercentage=75'") && run.endsWith(">> " + configFolder + "/jvm.options"));
    }

    @Test
    void everyContextSourceExistsAndIsNotIgnoredWhileBuildOutputAndDataAre() throws IOException {
        List<String> ignored = Files.readAllLines(DOCKERIGNORE, StandardCharsets.UTF_8).stream().map(String::trim)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(line -> line.endsWith("/") ? line.substring(0, line.length() - 1) : line).toList();
        assertThat(ignored).contains("target", "data", ".git");

        List<String> sources = dockerfile.stream().filter(i -> i.keyword().equals("COPY")).map(DockerFilesTest::copy)
                .filter(Copy::fromContext).flatMap(copy -> copy.sources().stream()).toList();
        assertThat(sources).containsExactlyInAnyOrder("mvnw", ".mvn/", "pom.xml", "src/", "config/", "routes/", LAUNCHER);
        for (String source : sources) {
            assertThat(ROOT.resolve(source)).as("context source %s", source).exists();
            String top = source.replaceAll("/.*", "");
            assertThat(ignored).as("%s must not be excluded from the context", source)
                    .noneMatch(pattern -> pattern.equals(top) || pattern.startsWith(top + "/")
                            || (pattern.contains("*") && top.matches(pattern.replace(".", "\\.").replace("*", ".*"))));
        }
    }

    @Test
    void dataIsAVolumeWritableByTheNonRootUserAndHoldsEveryDefaultDataPath() {
        int runtime = lastStage();
        String data = workdir(runtime) + "/data";
        assertThat(single(runtime, "VOLUME")).isIn(data, "[\"" + data + "\"]");
        String user = single(runtime, "USER");
        assertThat(user.split(":")[0]).isNotIn("root", "0");
        // the folder must exist, owned by the user, before VOLUME: a new named volume copies it
        List<Instruction> steps = dockerfile.stream().filter(i -> i.stage() == runtime).toList();
        int volume = indexOf(steps, "VOLUME", single(runtime, "VOLUME"));
        assertThat(steps.subList(0, volume)).filteredOn(i -> i.keyword().equals("RUN")).extracting(Instruction::args)
                .anyMatch(run -> run.contains("mkdir -p data") && run.contains("chown"));

        Map<String, String> defaults = PortalSyncSettings.KEYS.stream().filter(s -> s.defaultValue() != null)
                .collect(Collectors.toMap(Setting::key, Setting::defaultValue));
        assertThat(defaults.get(PortalSyncSettings.DB_URL)).startsWith("jdbc:h2:file:./data/");
        assertThat(defaults.get(PortalSyncSettings.DRY_RUN_REPORT_DIR)).startsWith("data/");
        assertThat(defaults.get(PortalSyncSettings.CLUSTER_LOCK_DIR)).startsWith("data/");

        assertThat(list(service(ENGINE).get("volumes"))).extracting(entry -> entry.toString().replaceFirst("^[^:]+:", ""))
                .contains(data);
    }

    // ------------------------------------------------------------------ compose.yaml

    @Test
    void everyPortalSyncVariableInComposeIsAKnownSetting() throws IOException {
        Map<String, Setting> byVariable = new LinkedHashMap<>();
        for (Setting setting : PortalSyncSettings.KEYS) {
            String variable = setting.key().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            assertThat(setting.environmentVariable()).isEqualTo(variable);
            byVariable.put(variable, setting);
        }

        Set<String> set = new TreeSet<>();
        map(compose.get("services")).keySet().forEach(name -> set.addAll(environment(name).keySet()));
        Set<String> engineSet = set.stream().filter(name -> name.startsWith("PORTAL_SYNC_")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(engineSet).isNotEmpty();
        assertThat(byVariable.keySet()).as("variables set in compose.yaml").containsAll(engineSet);

        // Also the names only mentioned (comments: the production auth example) and in the Dockerfile.
        Matcher mentioned = Pattern.compile("\\bPORTAL_SYNC_[A-Z0-9_]+").matcher(composeText + Files.readString(DOCKERFILE));
        Set<String> mentions = new TreeSet<>();
        while (mentioned.find()) {
            mentions.add(mentioned.group());
        }
        assertThat(byVariable.keySet()).as("variables mentioned in docker/").containsAll(mentions);
        assertThat(mentions).contains("PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET", "PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET_FILE");
    }

    @Test
    void engineSettingsInComposeValidateAndPointAtTheOtherServices() {
        Map<String, String> env = environment(ENGINE);
        Map<String, String> values = new LinkedHashMap<>();
        PortalSyncSettings.KEYS.forEach(setting -> Optional.ofNullable(env.get(setting.environmentVariable()))
                .ifPresent(value -> values.put(setting.key(), interpolateDefaults(value))));
        PortalSyncSettings settings = new PortalSyncSettings(key -> Optional.ofNullable(values.get(key)), "docker/compose.yaml").validate();

        assertThat(settings.tokenUrl()).as("no auth against the plain HAPI image").isEmpty();
        URI fhir = URI.create(settings.fhirBaseUrl());
        assertThat(fhir.getHost()).isEqualTo("ehr");
        assertThat(fhir.getPort()).isEqualTo(8080);
        assertThat(service("ehr").get("image")).isEqualTo("hapiproject/hapi:v8.6.0-1");

        Map<String, String> postgres = environment("postgres");
        assertThat(settings.dbUrl()).isEqualTo("jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB"));
        assertThat(settings.dbUser()).isEqualTo(postgres.get("POSTGRES_USER")).isEqualTo("portal");
        assertThat(env.get("PORTAL_SYNC_DB_PASSWORD")).isEqualTo(postgres.get("POSTGRES_PASSWORD"))
                .isEqualTo("${PORTAL_DB_PASSWORD:-change-me}");

        Map<String, Object> engine = service(ENGINE);
        Map<String, Object> build = map(engine.get("build"));
        Path context = COMPOSE.getParent().resolve(build.get("context").toString()).normalize();
        assertThat(context).isEqualTo(ROOT);
        assertThat(context.resolve(build.get("dockerfile").toString())).isEqualTo(DOCKERFILE);
        assertThat(engine.get("restart")).isEqualTo("unless-stopped");
        Map<String, Object> dependsOn = map(engine.get("depends_on"));
        assertThat(map(dependsOn.get("postgres")).get("condition")).isEqualTo("service_healthy");
        assertThat(map(dependsOn.get("ehr")).get("condition")).isEqualTo("service_started");
        assertThat(list(map(service("postgres").get("healthcheck")).get("test")).toString()).contains("pg_isready");
    }

    @Test
    void composeHoldsNoLiteralSecret() {
        Set<String> secretVariables = PortalSyncSettings.KEYS.stream().filter(Setting::secret)
                .map(Setting::environmentVariable).collect(Collectors.toSet());
        Pattern secretName = Pattern.compile(".*(PASSWORD|SECRET|PASSPHRASE|PRIVATE_KEY|API_KEY|TOKEN)(?!_URL|_FILE).*");
        for (String name : map(compose.get("services")).keySet()) {
            environment(name).forEach((variable, value) -> {
                if (secretVariables.contains(variable) || secretName.matcher(variable.toUpperCase(Locale.ROOT)).matches()) {
                    assertThat(value).as("%s.%s must come from the environment", name, variable).matches(SECRET_REFERENCE);
                }
                if (variable.endsWith("_SECRET_FILE") || variable.endsWith("_PASSWORD_FILE")) {
                    assertThat(value).as("%s.%s", name, variable).startsWith("/run/secrets/");
                }
            });
        }
        // the dev default appears only as a marked default of a variable, never on its own
        assertThat(composeText.replaceAll("\\$\\{[A-Z_][A-Z0-9_]*:-change-me}", "")).doesNotContain("change-me");
        assertThat(service(ENGINE)).as("secrets from an env file belong in the production example only")
                .doesNotContainKey("env_file");
    }

    // ------------------------------------------------------------------ helpers: Dockerfile

    private static List<Instruction> parseDockerfile(String text) {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder logical = new StringBuilder();
        int stage = -1;
        for (String line : text.split("\\R")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            logical.append(trimmed);
            String[] parts = logical.toString().trim().split("\\s+", 2);
            logical.setLength(0);
            String keyword = parts[0].toUpperCase(Locale.ROOT);
            if (keyword.equals("FROM")) {
                stage++;
            }
            instructions.add(new Instruction(stage, keyword, parts.length > 1 ? parts[1].replaceAll("\\s+", " ").trim() : ""));
        }
        return instructions;
    }

    private static String from(int stage) {
        return dockerfile.stream().filter(i -> i.keyword().equals("FROM") && i.stage() == stage).findFirst().orElseThrow().args();
    }

    private static int stageNamed(String name) {
        return dockerfile.stream().filter(i -> i.keyword().equals("FROM") && i.args().toLowerCase(Locale.ROOT).endsWith(" as " + name))
                .mapToInt(Instruction::stage).findFirst().orElseThrow(() -> new AssertionError("no stage named " + name));
    }

    private static int lastStage() {
        return dockerfile.get(dockerfile.size() - 1).stage();
    }

    private static String workdir(int stage) {
        List<Instruction> workdirs = dockerfile.stream().filter(i -> i.stage() == stage && i.keyword().equals("WORKDIR")).toList();
        assertThat(workdirs).as("one WORKDIR in stage %s", stage).hasSize(1);
        assertThat(workdirs.get(0).args()).startsWith("/");
        return workdirs.get(0).args().replaceAll("/+$", "");
    }

    private static String single(int stage, String keyword) {
        List<Instruction> found = dockerfile.stream().filter(i -> i.stage() == stage && i.keyword().equals(keyword)).toList();
        assertThat(found).as("one %s in stage %s", keyword, stage).hasSize(1);
        return found.get(0).args();
    }

    private static int indexOf(List<Instruction> instructions, String keyword, String args) {
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).keyword().equals(keyword) && instructions.get(i).args().endsWith(args)) {
                return i;
            }
        }
        throw new AssertionError("no " + keyword + " ..." + args);
    }

    private static List<Copy> copies(int stage) {
        return dockerfile.stream().filter(i -> i.stage() == stage && i.keyword().equals("COPY")).map(DockerFilesTest::copy).toList();
    }

    private static Copy copy(Instruction instruction) {
        assertThat(instruction.args()).as("COPY in shell form").doesNotStartWith("[");
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> paths = new ArrayList<>();
        for (String token : instruction.args().split(" ")) {
            if (token.startsWith("--")) {
                String[] flag = token.substring(2).split("=", 2);
                flags.put(flag[0], flag.length > 1 ? flag[1] : "");
            } else {
                paths.add(token);
            }
        }
        assertThat(paths).as("COPY %s", instruction.args()).hasSizeGreaterThan(1);
        return new Copy(instruction.stage(), flags, List.copyOf(paths.subList(0, paths.size() - 1)), paths.get(paths.size() - 1));
    }

    private static String absolute(String workdir, String destination) {
        String path = destination.startsWith("/") ? destination : workdir + "/" + destination;
        return Path.of(path).normalize().toString().replace('\\', '/');
    }

    private static List<String> jsonArray(String json) {
        assertThat(json).as("exec form").startsWith("[").endsWith("]");
        List<String> items = new ArrayList<>();
        Matcher item = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (item.find()) {
            items.add(item.group(1));
        }
        return items;
    }

    // ------------------------------------------------------------------ helpers: compose

    private static Map<String, Object> service(String name) {
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKey(name);
        return map(services.get(name));
    }

    /** A service's environment, map or list form; values as written (before interpolation). */
    private static Map<String, String> environment(String serviceName) {
        Object environment = service(serviceName).get("environment");
        Map<String, String> env = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> values) {
            values.forEach((name, value) -> env.put(name.toString(), value == null ? "" : value.toString()));
        } else if (environment instanceof List<?> entries) {
            entries.forEach(entry -> {
                String[] pair = entry.toString().split("=", 2);
                env.put(pair[0], pair.length > 1 ? pair[1] : "");
            });
        }
        return env;
    }

    /** Compose interpolation as it would run with none of the variables set: ${X:-default} -> default. */
    private static String interpolateDefaults(String value) {
        return value.replaceAll("\\$\\{[A-Z_][A-Z0-9_]*:-([^}]*)}", "$1").replaceAll("\\$\\{[A-Z_][A-Z0-9_]*}", "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static List<?> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<?>) value;
    }
}
