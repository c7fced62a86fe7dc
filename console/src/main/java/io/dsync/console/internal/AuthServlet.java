package io.dsync.console.internal;

import java.io.IOException;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * {@code POST /auth/login} with {@code username} and {@code password} (the login view's form posts here): on success a
 * new session id (no session fixation), the user in the session, and a redirect to the console; otherwise a redirect
 * back to the login view with {@code ?error}. Every attempt is logged with the user name and the client's address,
 * never the password.
 */
final class AuthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger AUDIT = LoggerFactory.getLogger("io.dsync.console.audit");

    private final transient UserDirectory users;

    AuthServlet(UserDirectory users) {
        this.users = users;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"/login".equals(req.getPathInfo())) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        String name = req.getParameter("username");
        String password = req.getParameter("password");
        Optional<ConsoleUser> user = users.authenticate(name, password == null ? null : password.toCharArray());
        if (user.isEmpty()) {
            AUDIT.warn("Console: failed sign-in as '{}' from {}", printable(name), req.getRemoteAddr());
            resp.sendRedirect(req.getContextPath() + "/" + LoginView.ROUTE + "?error");
            return;
        }
        HttpSession session = req.getSession(true);
        req.changeSessionId();
        session.setAttribute(ConsoleUser.SESSION_ATTRIBUTE, user.get());
        AUDIT.info("Console: '{}' ({}) signed in from {}", user.get().name(), user.get().role().id(), req.getRemoteAddr());
        resp.sendRedirect(req.getContextPath() + "/");
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
