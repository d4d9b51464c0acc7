"""Thin web layer: one blueprint package per feature."""
