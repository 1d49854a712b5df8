from django.urls import path

from liudong.accounts import views, views_phone, views_users

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("phone/", views_phone.phone_login, name="phone_login"),
    path("phone/verify/", views_phone.phone_verify, name="phone_verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.api_token, name="api_token"),
    path("two-factor/", views.otp_verify, name="otp_verify"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("two-factor/disable/", views.otp_disable, name="otp_disable"),
    path("users/", views_users.user_list, name="user_list"),
    path("users/new/", views_users.user_create, name="user_create"),
    path("users/<int:pk>/edit/", views_users.user_edit, name="user_edit"),
    path("users/<int:pk>/phone/", views_users.user_reveal_phone, name="user_reveal_phone"),
]
