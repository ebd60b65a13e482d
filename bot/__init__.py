"""Trợ lý Chi bộ: a chat assistant for the monthly Party-cell meeting."""
