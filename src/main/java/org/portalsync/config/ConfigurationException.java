package org.portalsync.config;

/**
 * A setting, route or mapping file is wrong. The message names the file, the key or line, the
 * value when it is not secret, and what to do; start-up stops with it.
 */
public class ConfigurationException extends RuntimeException {

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
