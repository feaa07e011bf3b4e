"""Normalizers: turn strings as printed into typed, comparable values."""
