from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views as views_account
from accounts import views_password_reset, views_two_factor, views_unsubscribe

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views_password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views_password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", views_two_factor.verify, name="two_factor_verify"),
    path("two-factor/enrol/", views_two_factor.enrol, name="two_factor_enrol"),
    path("two-factor/enrol/qr.svg", views_two_factor.qr_code, name="two_factor_qr"),
    path("two-factor/enrol/proof/", views_two_factor.proof, name="two_factor_proof"),
    path("two-factor/enrol/proof/<str:token>/", views_two_factor.proof_link, name="two_factor_proof_link"),
    path("two-factor/recovery-codes/", views_two_factor.recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/off/", views_two_factor.turn_off, name="two_factor_off"),
    path("members/two-factor/", views_two_factor.organization_require, name="account_two_factor_require"),
    path("", views_account.account, name="account"),
    path("members/", views_account.members, name="account_members"),
    path("members/<int:pk>/role/", views_account.member_role, name="account_member_role"),
    path("members/<int:pk>/contact-roles/", views_account.member_contact_roles, name="account_member_contact_roles"),
    path("members/<int:pk>/revoke/", views_account.member_revoke, name="account_member_revoke"),
    path("invitations/<int:pk>/withdraw/", views_account.invitation_withdraw, name="account_invitation_withdraw"),
    path("unsubscribe/<str:token>/", views_unsubscribe.unsubscribe, name="unsubscribe"),
    path("invitation/<str:token>/", views_account.invitation_accept_view, name="invitation_accept"),
]
