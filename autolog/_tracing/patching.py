"""wrapt patches and their bookkeeping: patch once, revert exactly, patch an SDK imported later."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import logging
import sys
import threading
from typing import Callable

import wrapt

_logger = logging.getLogger("autolog")


@dataclasses.dataclass(frozen=True)
class Target:
    """One SDK method to patch: ``module.cls.method`` (``module.method`` where ``cls`` is None)
    is a call of kind ``kind``."""

    module: str
    cls: str | None
    method: str
    kind: str
    # the method returns a stream manager that sends its request only when entered
    deferred: bool = False
    # traced only inside a call whose kind nests (the SDK's own requests and the user's functions
    # run by one SDK call): a child span of that call's span
    child: bool = False
    # the method is an SDK stream helper's close() that closes the stream held in this attribute of
    # the helper by closing its HTTP response: the stream's span ends there (see streams.closing_wrapper)
    closes: str | None = None
    # the method only prepares a request another patched method sends (an SDK stream() helper that
    # calls create() when entered): it has a span only when it raises, before anything is sent
    prepares: bool = False


# (module, class, method) -> (class object, the original attribute as found in the class __dict__)
_patched: dict[tuple[str, str, str], tuple[type, object]] = {}
# providers autolog() was asked for; their import hooks patch only while they are in here
_wanted: set[str] = set()
_hooked: set[str] = set()
_lock = threading.RLock()


def patch_targets(targets: list[Target], make_wrapper: Callable[[Target, bool], Callable]) -> int:
    """Patches every target not patched yet; returns how many were patched now."""
    count = 0
    with _lock:
        for target in targets:
            key = (target.module, target.cls, target.method)
            if key in _patched:
                continue
            try:
                module = importlib.import_module(target.module)
                owner = module if target.cls is None else getattr(module, target.cls)
                original = owner.__dict__[target.method]
            except (ImportError, AttributeError, KeyError):
                _logger.debug("autolog: %s.%s.%s is not in this SDK version", *key)
                continue
            if _is_ours(original):
                # an alias of a method patched already (Bedrock's beta messages reuse the first-party
                # create): it is traced as it is, and revert() must put the SDK's own method back
                _patched[key] = (owner, original.__wrapped__)
                continue
            is_async = inspect.iscoroutinefunction(inspect.unwrap(original))
            wrapper = make_wrapper(target, is_async)
            wrapper._autolog = True
            wrapt.wrap_function_wrapper(owner, target.method, wrapper)
            _patched[key] = (owner, original)
            count += 1
    return count


def _is_ours(attribute: object) -> bool:
    return isinstance(attribute, wrapt.FunctionWrapper) and getattr(attribute._self_wrapper, "_autolog", False)


def unpatch(module_prefix: str | None = None) -> None:
    """Puts back the SDK's own methods, all of them or those of one provider's SDK."""
    with _lock:
        for key in list(_patched):
            if module_prefix is None or key[0] == module_prefix or key[0].startswith(module_prefix + "."):
                owner, original = _patched.pop(key)
                setattr(owner, key[2], original)


def when_imported(sdk_module: str, provider: str, apply: Callable[[], None]) -> None:
    """Runs ``apply`` now if ``sdk_module`` is imported, else at the moment it is imported;
    only while ``provider`` is wanted (revert() withdraws it)."""
    with _lock:
        _wanted.add(provider)
        if provider in _hooked:
            hook_needed = False
        else:
            _hooked.add(provider)
            hook_needed = True

    def on_import(_module) -> None:
        if provider not in _wanted:
            return
        try:
            apply()
        except Exception:
            _logger.warning("autolog: could not patch %s", provider, exc_info=True)

    if hook_needed:
        wrapt.register_post_import_hook(on_import, sdk_module)
    elif sdk_module in sys.modules:
        on_import(sys.modules[sdk_module])


def withdraw(provider: str, sdk_module: str) -> None:
    with _lock:
        _wanted.discard(provider)
        unpatch(sdk_module)


def any_patched() -> bool:
    return bool(_patched)
