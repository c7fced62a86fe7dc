package io.dsync.console.internal;

import java.net.URL;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.RouteConfiguration;
import com.vaadin.flow.server.ServiceException;
import com.vaadin.flow.server.VaadinServlet;
import com.vaadin.flow.server.VaadinServletContext;
import com.vaadin.flow.server.VaadinServletService;
import com.vaadin.flow.server.VaadinSession;
import com.vaadin.flow.server.startup.ApplicationRouteRegistry;
import com.vaadin.flow.function.DeploymentConfiguration;
import com.vaadin.flow.shared.communication.PushMode;
import com.vaadin.flow.shared.ui.Transport;

import jakarta.servlet.ServletException;

/**
 * The console's Vaadin servlet, set up without class-path scanning (there is none inside a bundle): routes are
 * registered here, push is switched on per UI, every view but the login needs a signed-in user, and static resources
 * ({@code META-INF/resources} of the embedded JARs, e.g. the push script) come from the bundle's class loader.
 */
final class ConsoleServlet extends VaadinServlet {

    private static final long serialVersionUID = 1L;

    private final transient ConsoleContext context;

    ConsoleServlet(ConsoleContext context) {
        this.context = context;
    }

    /** @return the context of the console serving the current request */
    static ConsoleContext context() {
        return ((ConsoleServlet) VaadinServlet.getCurrent()).context;
    }

    @Override
    protected VaadinServletService createServletService(DeploymentConfiguration configuration) throws ServiceException {
        ClassLoader loader = ConsoleServlet.class.getClassLoader();
        VaadinServletService service = new VaadinServletService(this, configuration) {
            private static final long serialVersionUID = 1L;

            @Override
            public URL getStaticResource(String path) {
                URL url = super.getStaticResource(path);
                return url != null ? url : loader.getResource("META-INF/resources" + path);
            }
        };
        service.init();
        return service;
    }

    @Override
    protected void servletInitialized() throws ServletException {
        super.servletInitialized();
        RouteConfiguration routes = RouteConfiguration.forRegistry(
                ApplicationRouteRegistry.getInstance(new VaadinServletContext(getServletContext())));
        routes.setRoute(LoginView.ROUTE, LoginView.class);
        routes.setRoute(ClusterView.ROUTE, ClusterView.class);
        routes.setRoute(LocksView.ROUTE, LocksView.class);
        routes.setRoute(MetricsView.ROUTE, MetricsView.class);
        routes.setRoute(QueuesView.ROUTE, QueuesView.class);
        routes.setRoute(CacheView.ROUTE, CacheView.class);
        routes.setRoute(BundlesView.ROUTE, BundlesView.class);
        getService().addUIInitListener(e -> {
            UI ui = e.getUI();
            // Server to browser over a WebSocket; browser to server over XHR, so that a request is a plain HTTP
            // request (sessions, cookies) whatever the push state.
            ui.getPushConfiguration().setPushMode(PushMode.AUTOMATIC);
            ui.getPushConfiguration().setTransport(Transport.WEBSOCKET_XHR);
            ui.addBeforeEnterListener(ConsoleServlet::requireUser);
        });
    }

    private static void requireUser(BeforeEnterEvent event) {
        if (event.getNavigationTarget() != LoginView.class && currentUser() == null) {
            event.forwardTo(LoginView.class);
        }
    }

    /** @return the signed-in user of the current session, or {@code null} */
    static ConsoleUser currentUser() {
        VaadinSession session = VaadinSession.getCurrent();
        Object user = session == null ? null : session.getSession().getAttribute(ConsoleUser.SESSION_ATTRIBUTE);
        return user instanceof ConsoleUser u ? u : null;
    }
}
