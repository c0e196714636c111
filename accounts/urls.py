from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views as views_account

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            subject_template_name="registration/password_reset_subject.txt",
            extra_email_context={"PRODUCT_NAME": settings.PRODUCT_NAME, "VENDOR_NAME": settings.VENDOR_NAME},
        ),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", views_account.account, name="account"),
    path("members/", views_account.members, name="account_members"),
    path("members/<int:pk>/role/", views_account.member_role, name="account_member_role"),
    path("members/<int:pk>/revoke/", views_account.member_revoke, name="account_member_revoke"),
    path("invitations/<int:pk>/withdraw/", views_account.invitation_withdraw, name="account_invitation_withdraw"),
    path("invitation/<str:token>/", views_account.invitation_accept_view, name="invitation_accept"),
]
