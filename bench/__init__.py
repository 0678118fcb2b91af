"""Benchmarks; ``bench/run_all.py`` runs every script here and prints one table."""
