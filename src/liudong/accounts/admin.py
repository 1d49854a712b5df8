from django.contrib import admin

from liudong.accounts.models import User
from liudong.core.admin import ScopedAdmin


@admin.register(User)
class UserAdmin(ScopedAdmin):
    # Accounts change through the user pages (actions check roles and scope); here: view.
    read_only = True
    list_display = ("username", "display_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    exclude = ("password", "phone", "phone_index")
