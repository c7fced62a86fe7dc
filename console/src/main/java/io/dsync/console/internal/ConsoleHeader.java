package io.dsync.console.internal;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.router.RouterLink;
import com.vaadin.flow.server.VaadinSession;

/**
 * The header every signed-in view shares: its title, links to the views (the current one highlighted), a summary line
 * the view fills, who is signed in, and sign-out.
 */
final class ConsoleHeader extends HorizontalLayout {

    /**
     * @param title the view's title
     * @param current the view's class, whose link is shown as current
     * @param summary the view's summary line, which takes the free width
     */
    ConsoleHeader(String title, Class<? extends Component> current, Span summary) {
        setWidthFull();
        setAlignItems(FlexComponent.Alignment.BASELINE);
        HorizontalLayout nav = new HorizontalLayout(link("Cluster", ClusterView.class, "nav-cluster", current),
                link("Locks", LocksView.class, "nav-locks", current),
                link("Metrics", MetricsView.class, "nav-metrics", current));
        nav.add(link("Queues", QueuesView.class, "nav-queues", current), link("Cache", CacheView.class, "nav-cache", current),
                link("Bundles", BundlesView.class, "nav-bundles", current));
        nav.getElement().setAttribute("role", "navigation");
        ConsoleUser user = ConsoleServlet.currentUser();
        Span who = new Span(user == null ? "" : user.name() + " (" + user.role().id() + ")");
        who.setId("user");
        Button signOut = new Button("Sign out", e -> signOut());
        signOut.setId("sign-out");
        add(new H2(title), nav, summary, who, signOut);
        expand(summary);
    }

    private static RouterLink link(String text, Class<? extends Component> target, String id,
            Class<? extends Component> current) {
        RouterLink link = new RouterLink(text, target);
        link.setId(id);
        if (target == current) {
            link.getStyle().set("font-weight", "600").set("text-decoration", "underline");
            link.getElement().setAttribute("aria-current", "page");
        }
        return link;
    }

    private static void signOut() {
        VaadinSession.getCurrent().getSession().invalidate();
        UI.getCurrent().getPage().setLocation(LoginView.ROUTE);
    }
}
