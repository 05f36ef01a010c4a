"""BLAS threads per NLP process, and the pool that shares the parent's pipeline.

One process of spaCy uses more than one core through OpenBLAS's threads; pool workers must use one
each (``runners/threads.py``), and a single-process run keeps the library's default unless the
settings say otherwise.
"""
from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from threadpoolctl import threadpool_info

from eventlens.errors import ConfigError
from eventlens.runners import local
from eventlens.runners.threads import blas_limited, blas_threads_for, limit_blas
from eventlens.settings import Settings


def _blas_threads() -> list[int]:
    import numpy  # noqa: F401

    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_the_setting_decides_per_process_kind():
    assert blas_threads_for(Settings(), pooled=True) == 1
    assert blas_threads_for(Settings(), pooled=False) is None
    assert blas_threads_for(Settings(blas_threads=2), pooled=True) == 2
    assert blas_threads_for(Settings(blas_threads=1), pooled=False) == 1


def test_a_config_file_can_set_it(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"blas_threads": 1, "workers": 2}), encoding="utf-8")
    assert Settings.load(path).blas_threads == 1
    path.write_text(json.dumps({"blas_thread": 1}), encoding="utf-8")
    with pytest.raises(ConfigError):
        Settings.load(path)


def test_a_pool_worker_runs_one_blas_thread():
    if not _blas_threads():
        pytest.skip("numpy has no BLAS that threadpoolctl can see")
    context = multiprocessing.get_context("spawn")  # a fresh process: the library's own default
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:  # one process: both calls
        pool.submit(limit_blas, Settings(), pooled=True).result()
        info = pool.submit(threadpool_info).result()
    assert {lib["num_threads"] for lib in info if lib["user_api"] == "blas"} == {1}


def test_a_single_process_run_is_limited_only_when_asked_and_only_meanwhile():
    before = _blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS that threadpoolctl can see")
    with blas_limited(Settings(), pooled=False):
        assert _blas_threads() == before
    with blas_limited(Settings(blas_threads=1), pooled=False):
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_the_pool_forks_where_it_can():
    context = local._pool_context()
    expected = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    assert context.get_start_method() == expected
