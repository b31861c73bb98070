from carecast.core.audit import register_action

LOGIN = register_action("auth.login", "Signed in")
LOGIN_FAILED = register_action("auth.login_failed", "Sign-in refused: wrong password or code")
LOGIN_THROTTLED = register_action("auth.login_throttled", "Sign-in refused: too many failures")
LOGOUT = register_action("auth.logout", "Signed out")
IDLE_LOGOUT = register_action("auth.idle_logout", "Signed out after the idle timeout")
PASSWORD_RESET_REQUEST = register_action("auth.password_reset_request", "Password reset requested")
PASSWORD_RESET = register_action("auth.password_reset", "Password reset with an emailed link")
TWO_FACTOR_ENABLE = register_action("auth.two_factor_enable", "Authenticator app confirmed")
USER_CREATE = register_action("user.create", "Person added to the organisation")
USER_ROLES = register_action("user.roles", "Roles changed")
API_TOKEN_CREATE = register_action("api_token.create", "API token created or replaced")
