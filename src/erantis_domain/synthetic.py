"""Compatibility: the synthetic municipality now lives in
:mod:`erantis_domain.testing.synthetic`; this module re-exports its public names."""

from erantis_domain.testing.synthetic import generate, window, write_jsonl

__all__ = ["generate", "window", "write_jsonl"]
