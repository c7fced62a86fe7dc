package io.dsync.platform.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import at.favre.lib.crypto.bcrypt.BCrypt;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code dsync console}: what an operator needs to set up the web console; today {@code dsync console user NAME ROLE},
 * which prints a user entry ({@code name:role:bcrypt-hash}) for {@code --console-users} or
 * {@code etc/io.dsync.console.cfg}.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Set up the web console (it runs on nodes with the console role, port 8880 by default).",
        subcommands = ConsoleCommand.User.class)
final class ConsoleCommand implements Runnable {

    /** Bcrypt cost of the entries we write: about a quarter of a second per sign-in on this kind of machine. */
    static final int COST = 12;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'dsync console user NAME admin'");
    }

    /**
     * @return a user entry for the console: {@code name:role:bcrypt-hash}
     * @throws Dsync.CliException (exit 2) for a name or role the console would refuse
     */
    static String entry(String name, String role, char[] password) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Dsync.CliException("a console user name is 1 to 64 letters, digits, '.', '_', '@' or '-', got '"
                    + name + "'", 2);
        }
        if (!"admin".equals(role) && !"viewer".equals(role)) {
            throw new Dsync.CliException("a console role is admin or viewer, got '" + role + "'", 2);
        }
        if (password.length == 0) {
            throw new Dsync.CliException("the password is empty", 2);
        }
        return name + ":" + role + ":" + BCrypt.withDefaults().hashToString(COST, password);
    }

    /** @return a random password of 20 letters and digits (about 119 bits), for the demo and dev clusters */
    static char[] randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        char[] password = new char[20];
        for (int i = 0; i < password.length; i++) {
            password[i] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return password;
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = {"Print a console user entry, name:role:bcrypt-hash, for --console-users "
                    + "(env DSYNC_CONSOLE_USERS) or 'users' in etc/io.dsync.console.cfg; several entries are "
                    + "separated by commas.",
                    "The password is asked for twice on a terminal, or read as one line from standard input: "
                            + "echo -n 'secret' | dsync console user alice admin"})
    static final class User implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "NAME", description = "User name.")
        String name;

        @Parameters(index = "1", paramLabel = "ROLE", description = "viewer (looks) or admin (may also act).")
        String role;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            char[] password = readPassword();
            try {
                spec.commandLine().getOut().println(entry(name, role, password));
                return 0;
            } finally {
                Arrays.fill(password, '\0');
            }
        }

        private char[] readPassword() throws IOException {
            java.io.Console terminal = System.console();
            if (terminal != null) {
                char[] first = terminal.readPassword("Password for %s: ", name);
                char[] second = terminal.readPassword("Again: ");
                if (first == null || second == null || !Arrays.equals(first, second)) {
                    throw new Dsync.CliException("the two passwords differ; nothing printed", 1);
                }
                Arrays.fill(second, '\0');
                return first;
            }
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new Dsync.CliException("no password on standard input (echo -n 'secret' | dsync console user "
                        + name + " " + role + ")", 2);
            }
            return line.toCharArray();
        }
    }
}
