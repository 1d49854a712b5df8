"""Notifications: what reaches a staff user or a member, read in the centre and the bell."""
