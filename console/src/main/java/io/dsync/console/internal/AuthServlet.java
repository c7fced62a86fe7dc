package io.dsync.console.internal;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * {@code POST /auth/login} with {@code username} and {@code password} (the login view's form posts here): on success a
 * new session id (no session fixation), the user in the session, and a redirect to the console; otherwise a redirect
 * back to the login view with {@code ?error}. Every attempt is logged with the user name and the client's address,
 * never the password.
 *
 * <p>Refused before the password is checked: a post whose {@code Origin} (or, without one, {@code Referer}) is another
 * site than this console (login cross-site request forgery: a page elsewhere signing the browser in as the attacker),
 * and an address or user name that failed too often ({@link SignInThrottle}; {@code ?error=throttled}).
 */
final class AuthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient UserDirectory users;
    private final transient SignInThrottle throttle;

    AuthServlet(UserDirectory users, SignInThrottle throttle) {
        this.users = users;
        this.throttle = throttle;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"/login".equals(req.getPathInfo())) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        String name = req.getParameter("username");
        String address = req.getRemoteAddr();
        if (!sameOrigin(req)) {
            Audit.warn("Console: refused a sign-in as '{}' from {} posted by another site ({})", name, address,
                    origin(req));
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "sign-in forms of other sites are refused");
            return;
        }
        Duration wait = throttle.waitBefore(address, name);
        if (!wait.isZero()) {
            Audit.warn("Console: refused a sign-in as '{}' from {}: too many failed attempts, next in {} s",
                    name, address, Math.max(1, wait.toSeconds()));
            resp.sendRedirect(req.getContextPath() + "/" + LoginView.ROUTE + "?error=throttled");
            return;
        }
        String password = req.getParameter("password");
        Optional<ConsoleUser> user = users.authenticate(name, password == null ? null : password.toCharArray());
        if (user.isEmpty()) {
            throttle.failed(address, name);
            Audit.warn("Console: failed sign-in as '{}' from {}", name, address);
            resp.sendRedirect(req.getContextPath() + "/" + LoginView.ROUTE + "?error");
            return;
        }
        throttle.succeeded(address, name);
        HttpSession session = req.getSession(true);
        req.changeSessionId();
        session.setAttribute(ConsoleUser.SESSION_ATTRIBUTE, user.get());
        Audit.info("Console: '{}' ({}) signed in from {}", user.get().name(), user.get().role().id(), req.getRemoteAddr());
        resp.sendRedirect(req.getContextPath() + "/");
    }

    /**
     * @return whether the post comes from a page of this console: its {@code Origin}, else its {@code Referer}, names
     *     the host this request was sent to (the host only: behind a proxy that ends TLS, scheme and port differ);
     *     true when the client sent neither (not a browser's cross-site form post, which carries {@code Origin}; e.g.
     *     curl)
     */
    static boolean sameOrigin(HttpServletRequest req) {
        String origin = origin(req);
        if (origin == null) {
            return true;
        }
        try {
            String host = URI.create(origin.trim()).getHost();
            return host != null && host.equalsIgnoreCase(req.getServerName());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String origin(HttpServletRequest req) {
        String origin = req.getHeader("Origin");
        return origin != null && !origin.isBlank() ? origin : req.getHeader("Referer");
    }
}
