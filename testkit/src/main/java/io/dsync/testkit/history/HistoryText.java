package io.dsync.testkit.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one-event-per-line text format of histories; see {@link History#parse(CharSequence)} for the grammar.
 */
final class HistoryText {

    private static final String NIL = "nil";
    private static final String ARROW = "=>";
    private static final String BARE_PUNCTUATION = "_.:/@+-,~^!?%&*";

    private HistoryText() {
    }

    static String format(Event event) {
        StringBuilder line = new StringBuilder(64)
                .append(event.time()).append(' ')
                .append(token(event.process())).append(' ')
                .append(event.type().label()).append(" #").append(event.opId()).append(' ')
                .append(event.operation());
        if (event.value() != null) {
            line.append(' ').append(ARROW).append(' ').append(token(event.value()));
        }
        return line.toString();
    }

    /** Renders a nullable string as a bare word when unambiguous, else as a quoted string; null is {@code nil}. */
    static String token(String value) {
        if (value == null) {
            return NIL;
        }
        return isBare(value) ? value : quote(value);
    }

    private static boolean isBare(String value) {
        if (value.isEmpty() || value.equals(NIL)) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean asciiAlnum = c < 128 && Character.isLetterOrDigit(c);
            if (!asciiAlnum && BARE_PUNCTUATION.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    /** A lexical token: a quoted token is always a literal string, a bare one may be nil, an id or the arrow. */
    private record Token(String text, boolean quoted) {

        String value() {
            return !quoted && text.equals(NIL) ? null : text;
        }

        boolean isBare(String word) {
            return !quoted && text.equals(word);
        }
    }

    static List<Event> parse(CharSequence text) {
        return new Parser().parse(text.toString());
    }

    private static final class Parser {

        private final List<Event> events = new ArrayList<>();
        private final Map<Long, Event> invocations = new HashMap<>();
        private final Map<String, Set<Long>> outstanding = new HashMap<>();
        private long maxId;
        private int lineNumber;
        private String line;

        List<Event> parse(String text) {
            String[] lines = text.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                lineNumber = i + 1;
                line = lines[i].strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    parseLine(tokenize(line));
                }
            }
            return events;
        }

        private void parseLine(List<Token> tokens) {
            if (tokens.size() < 3) {
                throw error("expected <time> <process> <invoke|ok|fail|info> ...");
            }
            long time = parseTime(tokens.get(0));
            String process = tokens.get(1).value();
            if (process == null) {
                throw error("process must not be nil");
            }
            EventType type = parseType(tokens.get(2));
            int next = 3;
            Long id = null;
            if (next < tokens.size() && !tokens.get(next).quoted() && tokens.get(next).text().startsWith("#")) {
                id = parseId(tokens.get(next));
                next++;
            }
            int arrow = next;
            while (arrow < tokens.size() && !tokens.get(arrow).isBare(ARROW)) {
                arrow++;
            }
            List<Token> opTokens = tokens.subList(next, arrow);
            String value = null;
            if (arrow < tokens.size()) {
                if (arrow != tokens.size() - 2) {
                    throw error("expected exactly one value after =>");
                }
                value = tokens.get(arrow + 1).value();
            }
            if (type == EventType.INVOKE) {
                invoke(time, process, id, opTokens, value);
            } else {
                complete(time, process, type, id, opTokens, value);
            }
        }

        private void invoke(long time, String process, Long explicitId, List<Token> opTokens, String value) {
            if (value != null) {
                throw error("an invocation has no => value");
            }
            if (opTokens.size() < 2) {
                throw error("an invocation needs an operation: <type> <key> <args...>");
            }
            long id = explicitId != null ? explicitId : maxId + 1;
            if (invocations.containsKey(id)) {
                throw error("duplicate invocation #" + id);
            }
            maxId = Math.max(maxId, id);
            Event event = new Event(time, process, EventType.INVOKE, id, operation(opTokens), null);
            invocations.put(id, event);
            outstanding.computeIfAbsent(process, p -> new LinkedHashSet<>()).add(id);
            events.add(event);
        }

        private void complete(long time, String process, EventType type, Long explicitId, List<Token> opTokens,
                String value) {
            Set<Long> open = outstanding.getOrDefault(process, Set.of());
            long id;
            if (explicitId != null) {
                id = explicitId;
                if (!open.contains(id)) {
                    Event invocation = invocations.get(id);
                    throw error(invocation == null ? "completion of #" + id + " without an earlier invocation"
                            : invocation.process().equals(process) ? "#" + id + " is already completed"
                            : "#" + id + " was invoked by " + invocation.process());
                }
            } else if (open.size() == 1) {
                id = open.iterator().next();
            } else {
                throw error(open.isEmpty() ? "completion without an outstanding invocation of " + process
                        : process + " has " + open.size() + " outstanding invocations; give the #id");
            }
            Event invocation = invocations.get(id);
            if (!opTokens.isEmpty()) {
                Operation operation = operation(opTokens);
                if (!operation.equals(invocation.operation())) {
                    throw error("operation differs from the invocation's: " + invocation.operation());
                }
            }
            open.remove(id);
            events.add(new Event(time, process, type, id, invocation.operation(), value));
        }

        private Operation operation(List<Token> tokens) {
            String type = tokens.get(0).value();
            if (type == null || type.isEmpty()) {
                throw error("operation type must not be nil or empty");
            }
            List<String> args = new ArrayList<>();
            for (Token token : tokens.subList(2, tokens.size())) {
                args.add(token.value());
            }
            return new Operation(type, tokens.get(1).value(), args);
        }

        private long parseTime(Token token) {
            try {
                return Long.parseLong(token.text());
            } catch (NumberFormatException e) {
                throw error("time is not a number: " + token.text());
            }
        }

        private EventType parseType(Token token) {
            for (EventType type : EventType.values()) {
                if (type.label().equals(token.text())) {
                    return type;
                }
            }
            throw error("expected invoke, ok, fail or info, found " + token.text());
        }

        private long parseId(Token token) {
            try {
                return Long.parseLong(token.text().substring(1));
            } catch (NumberFormatException e) {
                throw error("operation id is not a number: " + token.text());
            }
        }

        private List<Token> tokenize(String text) {
            List<Token> tokens = new ArrayList<>();
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '"') {
                    i = quoted(text, i + 1, tokens);
                } else {
                    int start = i;
                    while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                        if (text.charAt(i) == '"') {
                            throw error("quote inside a bare word at column " + (i + 1));
                        }
                        i++;
                    }
                    tokens.add(new Token(text.substring(start, i), false));
                }
            }
            return tokens;
        }

        /** Reads a quoted token starting after its opening quote; returns the index after the closing quote. */
        private int quoted(String text, int start, List<Token> tokens) {
            StringBuilder value = new StringBuilder();
            int i = start;
            while (i < text.length()) {
                char c = text.charAt(i++);
                if (c == '"') {
                    if (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                        throw error("expected whitespace after the closing quote at column " + i);
                    }
                    tokens.add(new Token(value.toString(), true));
                    return i;
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                if (i >= text.length()) {
                    break;
                }
                char escaped = text.charAt(i++);
                switch (escaped) {
                    case 'n' -> value.append('\n');
                    case 'r' -> value.append('\r');
                    case 't' -> value.append('\t');
                    case '"', '\\' -> value.append(escaped);
                    case 'u' -> {
                        if (i + 4 > text.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            value.append((char) Integer.parseInt(text.substring(i, i + 4), 16));
                        } catch (NumberFormatException e) {
                            throw error("bad \\u escape: " + text.substring(i, i + 4));
                        }
                        i += 4;
                    }
                    default -> throw error("unknown escape \\" + escaped);
                }
            }
            throw error("unterminated quoted string");
        }

        private MalformedHistoryException error(String message) {
            return new MalformedHistoryException("line " + lineNumber + ": " + message + ": " + line);
        }
    }
}
