"""The workbench: home pages per role and the menu's groups, at the top of the layers.

It reads every app (members' to-do, stations' check-ins, organizations, users) and nothing
reads it; the apps add their menu entries and dashboard cards through core's registries.
"""
