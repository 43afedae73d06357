"""Jinja2 templates for customer notices (package data; a service centre may override them)."""
