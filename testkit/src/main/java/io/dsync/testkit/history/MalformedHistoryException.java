package io.dsync.testkit.history;

/**
 * A history text or event list that cannot be read (syntax error, completion without invocation, duplicate
 * operation id), or a history a checker cannot interpret (for example a fencing token that is not a number). The
 * message names the line or the event at fault.
 */
public class MalformedHistoryException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and where
     */
    public MalformedHistoryException(String message) {
        super(message);
    }
}
