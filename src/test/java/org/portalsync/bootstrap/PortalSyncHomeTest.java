package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;

class PortalSyncHomeTest {

    private static Path install(Path folder) throws IOException {
        Files.createDirectories(folder.resolve("config"));
        Files.writeString(folder.resolve(PortalSyncMain.CONFIG_FILE), "portal-sync.source.name = ehr\n");
        return folder;
    }

    private static PortalSyncHome locate(Map<String, String> overrides, Properties system, Map<String, String> environment,
            Path code, Path workingDirectory) {
        return PortalSyncHome.locate(overrides, system, environment, Optional.ofNullable(code), workingDirectory);
    }

    @Test
    void theJarInTheProjectsTargetFolderFindsTheProjectAsHomeFromAnyWorkingDirectory(@TempDir Path dir) throws IOException {
        Path project = install(dir.resolve("project"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

        PortalSyncHome home = locate(Map.of(), new Properties(), Map.of(), project.resolve("target/portal-sync.jar"), elsewhere);

        assertThat(home.folder()).isEqualTo(project);
        assertThat(home.configFile()).isEqualTo(project.resolve("config/application.properties"));
        assertThat(home.routesPattern()).isEqualTo("file:" + project + "/routes/*.yaml");
    }

    @Test
    void theJarBesideConfigAsInTheImageIsItsOwnHome(@TempDir Path dir) throws IOException {
        Path image = install(dir.resolve("opt/portal-sync"));

        PortalSyncHome home = locate(Map.of(), new Properties(), Map.of(), image.resolve("portal-sync.jar"), dir);

        assertThat(home.folder()).isEqualTo(image);
    }

    @Test
    void theClassesFolderOfABuildFindsTheProject(@TempDir Path dir) throws IOException {
        Path project = install(dir.resolve("project"));

        assertThat(locate(Map.of(), new Properties(), Map.of(), project.resolve("target/classes"), dir).folder()).isEqualTo(project);
    }

    @Test
    void anExplicitHomeWinsOverrideThenSystemPropertyThenEnvironmentAndARelativeOneIsFromTheWorkingDirectory(@TempDir Path dir)
            throws IOException {
        Path project = install(dir.resolve("project"));
        Path jar = project.resolve("target/portal-sync.jar");
        Properties system = new Properties();
        system.setProperty(PortalSyncSettings.HOME, "from-property");
        Map<String, String> environment = Map.of("PORTAL_SYNC_HOME", "/srv/from-environment");

        assertThat(locate(Map.of(PortalSyncSettings.HOME, "/srv/override"), system, environment, jar, dir).folder())
                .isEqualTo(Path.of("/srv/override"));
        PortalSyncHome fromProperty = locate(Map.of(), system, environment, jar, dir);
        assertThat(fromProperty.folder()).isEqualTo(dir.resolve("from-property"));
        assertThat(fromProperty.chosenBy()).isEqualTo("set by -Dportal-sync.home");
        assertThat(locate(Map.of(), new Properties(), environment, jar, dir).folder()).isEqualTo(Path.of("/srv/from-environment"));
    }

    @Test
    void withoutConfigBesideTheCodeTheWorkingDirectoryIsTheHome(@TempDir Path dir) throws IOException {
        Path workingDirectory = install(dir.resolve("work"));

        assertThat(locate(Map.of(), new Properties(), Map.of(), dir.resolve("lib/portal-sync.jar"), workingDirectory).folder())
                .isEqualTo(workingDirectory);
        assertThat(locate(Map.of(), new Properties(), Map.of(), null, workingDirectory).folder()).isEqualTo(workingDirectory);
    }

    @Test
    void aHomeWithoutTheSettingsFileStopsStartUpNamingTheFolderItLookedIn(@TempDir Path dir) {
        Path empty = dir.resolve("empty-home");

        PortalSyncHome home = locate(Map.of(), new Properties(), Map.of("PORTAL_SYNC_HOME", empty.toString()), null, dir);

        assertThatThrownBy(home::configFile).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("No config/application.properties in the portal-sync home " + empty + " (set by PORTAL_SYNC_HOME)")
                .hasMessageContaining("PORTAL_SYNC_HOME");
    }
}
