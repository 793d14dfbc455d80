"""Where chunks run: ``local`` (this process; numba threads inside the kernels) or ``ray``.

With Ray the bar arrays are put in the object store once; every task gets
them zero-copy (read-only numpy views) and evaluates one chunk of parameter
columns. Chunks are independent and deterministic, so both engines return
identical tables for the same grid and seed.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from nexus.errors import ConfigError


def run_local(fn: Callable[[dict, Sequence[dict]], Any], data: dict, param_chunks: Sequence[Sequence[dict]], progress=None) -> list:
    out = []
    for chunk in param_chunks:
        out.append(fn(data, chunk))
        if progress is not None:
            progress.update(len(chunk))
    return out


def run_pool(fn: Callable[[dict, Sequence[dict]], Any], data: dict, param_chunks: Sequence[Sequence[dict]], *,
             workers: int, progress=None) -> list:
    """Chunks on a pool of ``workers`` local processes (spawned: no forked numba or thread state);
    one worker runs them in this process. Results come back in chunk order."""
    if workers <= 1 or len(param_chunks) <= 1:
        return run_local(fn, data, param_chunks, progress)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: list = [None] * len(param_chunks)
    with ProcessPoolExecutor(max_workers=min(workers, len(param_chunks)), mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(fn, data, list(chunk)): i for i, chunk in enumerate(param_chunks)}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            if progress is not None:
                progress.update(len(param_chunks[i]))
    return results


def _ray_module():
    try:
        import ray
    except ModuleNotFoundError:  # pragma: no cover - depends on the extra
        raise ConfigError("engine='ray' needs Ray: pip install 'nexus[ray]'") from None
    return ray


def ensure_ray(address: str | None = None, num_cpus: int | None = None):
    """Join ``address`` (an existing cluster) or start a local Ray instance once."""
    ray = _ray_module()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}
        if address:
            kwargs["address"] = address
        elif num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
    return ray


def _call(fn, data, chunk):
    """Ray task body: Ray wraps functions, not callable instances, so the evaluator rides as an argument."""
    return fn(data, chunk)


def run_ray(
    fn: Callable[[dict, Sequence[dict]], Any],
    data: dict,
    param_chunks: Sequence[Sequence[dict]],
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    progress=None,
) -> list:
    ray = ensure_ray(address, num_cpus)
    data_ref = ray.put(data)  # once; workers map it zero-copy
    fn_ref = ray.put(fn)
    remote = ray.remote(_call)
    refs = [remote.remote(fn_ref, data_ref, list(chunk)) for chunk in param_chunks]
    results: list = [None] * len(refs)
    index = {ref: i for i, ref in enumerate(refs)}
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            i = index[ref]
            results[i] = ray.get(ref)
            if progress is not None:
                progress.update(len(param_chunks[i]))
    return results


def run(engine: str, fn, data: dict, param_chunks, *, address=None, num_cpus=None, progress=None,
        workers: int | None = None) -> list:
    """``workers`` (local engine): None runs the chunks in this process, n > 1 on a pool of n processes."""
    if engine == "local":
        if address:
            raise ConfigError("address= is for engine='ray'")
        if workers is not None:
            return run_pool(fn, data, param_chunks, workers=workers, progress=progress)
        return run_local(fn, data, param_chunks, progress)
    if engine == "ray":
        return run_ray(fn, data, param_chunks, address=address, num_cpus=num_cpus, progress=progress)
    raise ConfigError(f"engine must be 'local' or 'ray', got {engine!r}")
