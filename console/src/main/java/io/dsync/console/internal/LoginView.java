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

/** The sign-in page. Its form posts to {@link AuthServlet}; {@code ?error} shows that the last attempt failed. */
@PageTitle("dsync console: sign in")
public final class LoginView extends VerticalLayout implements BeforeEnterObserver {

    /** The route. */
    static final String ROUTE = "login";

    private final LoginForm form = new LoginForm();

    public LoginView() {
        setSizeFull();
        setAlignItems(FlexComponent.Alignment.CENTER);
        setJustifyContentMode(FlexComponent.JustifyContentMode.CENTER);
        LoginI18n i18n = LoginI18n.createDefault();
        i18n.getForm().setTitle("Sign in");
        i18n.getErrorMessage().setTitle("Wrong user name or password");
        i18n.getErrorMessage().setMessage("Check them and try again. Users are configured in etc/io.dsync.console.cfg.");
        form.setI18n(i18n);
        form.setForgotPasswordButtonVisible(false);
        form.setAction("auth/login");
        add(new H1("dsync console"), form);
        if (ConsoleServlet.context().users().size() == 0) {
            add(new Paragraph("No console user is configured: add one to 'users' in etc/io.dsync.console.cfg."));
        }
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        form.setError(event.getLocation().getQueryParameters().getParameters().containsKey("error"));
    }
}
