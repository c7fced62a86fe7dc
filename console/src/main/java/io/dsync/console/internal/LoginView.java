package io.dsync.console.internal;

import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.login.LoginForm;
import com.vaadin.flow.component.login.LoginI18n;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;

/**
 * The sign-in page. Its form posts to {@link AuthServlet}; {@code ?error} shows that the last attempt failed,
 * {@code ?error=throttled} that it was refused after too many failures.
 */
@PageTitle("dsync console: sign in")
public final class LoginView extends VerticalLayout implements BeforeEnterObserver {

    /** The route. */
    static final String ROUTE = "login";

    private final LoginForm form = new LoginForm();

    public LoginView() {
        setSizeFull();
        setAlignItems(FlexComponent.Alignment.CENTER);
        setJustifyContentMode(FlexComponent.JustifyContentMode.CENTER);
        form.setI18n(i18n("Wrong user name or password",
                "Check them and try again. Users are configured in etc/io.dsync.console.cfg."));
        form.setForgotPasswordButtonVisible(false);
        form.setAction("auth/login");
        add(new H1("dsync console"), form);
        if (ConsoleServlet.context().users().size() == 0) {
            add(new Paragraph("No console user is configured: add one to 'users' in etc/io.dsync.console.cfg."));
        }
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        var error = event.getLocation().getQueryParameters().getParameters().get("error");
        if (error != null && error.contains("throttled")) {
            form.setI18n(i18n("Too many failed sign-ins", "Wait a few seconds and try again."));
        }
        form.setError(error != null);
    }

    private static LoginI18n i18n(String errorTitle, String errorMessage) {
        LoginI18n i18n = LoginI18n.createDefault();
        i18n.getForm().setTitle("Sign in");
        i18n.getErrorMessage().setTitle(errorTitle);
        i18n.getErrorMessage().setMessage(errorMessage);
        return i18n;
    }
}
