"""wrapt patches and their bookkeeping: patch once, revert exactly, patch an SDK imported later."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import logging
import sys
import threading
import weakref
from typing import Callable, Iterable

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
    # the method's result is awaited; None: a coroutine function is, nothing else is (aiobotocore's
    # client methods are plain functions that return a coroutine)
    is_async: bool | None = None
    # the method is an SDK stream helper's close() that closes the stream held in this attribute of
    # the helper by closing its HTTP response: the stream's span ends there (see streams.closing_wrapper)
    closes: str | None = None
    # the method only prepares a request another patched method sends (an SDK stream() helper that
    # calls create() when entered): it has a span only when it raises, before anything is sent
    prepares: bool = False


@dataclasses.dataclass(frozen=True)
class ClassFactory:
    """Where an SDK makes classes at run time, so that there is no class to patch in advance
    (botocore makes a client class for every client it creates).

    ``module.cls.method`` returns each new class (an async factory: resolves to it); every class
    it makes from then on goes through ``targets``, which gives the rows to patch on that class
    (none: the class is left exactly as it is); ``made()`` lists the classes it made before it
    was patched that are still alive, which are patched the same way."""

    module: str
    cls: str
    method: str
    targets: Callable[[type], list[Target]]
    made: Callable[[], Iterable[type]] = tuple


# (module, class, method) -> (class object, the original attribute as found in the class __dict__)
_patched: dict[tuple[str, str, str], tuple[type, object]] = {}
# per provider, the classes its factories made and that were patched: class -> {method: original};
# held weakly, so that patching never keeps alive a class the SDK would drop
_made: dict[str, weakref.WeakKeyDictionary] = {}
# providers autolog() was asked for; their import hooks patch only while they are in here
_wanted: set[str] = set()
_hooked: set[tuple[str, str]] = set()
_lock = threading.RLock()


def _wrap(owner: type, target: Target, make_wrapper: Callable[[Target, bool], Callable]) -> object | None:
    """Patches ``owner.<target.method>``; returns the attribute it replaced (None: nothing to patch)."""
    original = owner.__dict__.get(target.method)
    if original is None:
        return None
    if _is_ours(original):
        # an alias of a method patched already (Bedrock's beta messages reuse the first-party
        # create): it is traced as it is, and revert() must put the SDK's own method back
        return original.__wrapped__
    is_async = target.is_async
    if is_async is None:
        is_async = inspect.iscoroutinefunction(inspect.unwrap(original))
    wrapper = make_wrapper(target, is_async)
    wrapper._autolog = True
    wrapt.wrap_function_wrapper(owner, target.method, wrapper)
    return original


def patch_targets(targets: list[Target], make_wrapper: Callable[[Target, bool], Callable]) -> None:
    """Patches every target not patched yet."""
    with _lock:
        for target in targets:
            key = (target.module, target.cls, target.method)
            if key in _patched:
                continue
            try:
                module = importlib.import_module(target.module)
                owner = module if target.cls is None else getattr(module, target.cls)
            except (ImportError, AttributeError):
                owner = None
            original = _wrap(owner, target, make_wrapper) if owner is not None else None
            if original is None:
                _logger.debug("autolog: %s.%s.%s is not in this SDK version", *key)
                continue
            _patched[key] = (owner, original)


def patch_factories(provider: str, factories: list[ClassFactory],
                    make_wrapper: Callable[[Target, bool], Callable]) -> None:
    """Patches each factory so that the classes it makes are patched as they are made, and
    patches the classes it made already."""
    with _lock:
        made = _made.setdefault(provider, weakref.WeakKeyDictionary())
        for factory in factories:
            key = (factory.module, factory.cls, factory.method)
            if key in _patched:
                continue
            try:
                owner = getattr(importlib.import_module(factory.module), factory.cls)
                original = owner.__dict__[factory.method]
            except (ImportError, AttributeError, KeyError):
                _logger.debug("autolog: %s.%s.%s is not in this SDK version", *key)
                continue

            def on_class(new_class, factory=factory):
                _patch_made(made, new_class, factory, make_wrapper)

            wrapper = _factory_wrapper(on_class)
            wrapper._autolog = True
            wrapt.wrap_function_wrapper(owner, factory.method, wrapper)
            _patched[key] = (owner, original)
            for old_class in factory.made():
                on_class(old_class)


def _factory_wrapper(on_class: Callable[[type], None]):
    def wrapper(wrapped, instance, args, kwargs):
        made = wrapped(*args, **kwargs)
        if inspect.isawaitable(made):
            return _patched_when_made(made, on_class)
        on_class(made)
        return made

    return wrapper


async def _patched_when_made(pending, on_class: Callable[[type], None]):
    made = await pending
    on_class(made)
    return made


def _patch_made(made: weakref.WeakKeyDictionary, new_class: type, factory: ClassFactory,
                make_wrapper: Callable[[Target, bool], Callable]) -> None:
    """Never raises: a class that cannot be patched is left as the SDK made it."""
    try:
        with _lock:
            rows = factory.targets(new_class)
            if not rows:
                return
            originals = made.setdefault(new_class, {})
            for target in rows:
                if target.method not in originals:
                    original = _wrap(new_class, target, make_wrapper)
                    if original is not None:
                        originals[target.method] = original
    except Exception:
        _logger.debug("autolog: could not patch %r", new_class, exc_info=True)


def _is_ours(attribute: object) -> bool:
    return isinstance(attribute, wrapt.FunctionWrapper) and getattr(attribute._self_wrapper, "_autolog", False)


def unpatch(module_prefix: str | None = None) -> None:
    """Puts back the SDK's own methods, all of them or those of one provider's SDK."""
    with _lock:
        for key in list(_patched):
            if module_prefix is None or key[0] == module_prefix or key[0].startswith(module_prefix + "."):
                owner, original = _patched.pop(key)
                setattr(owner, key[2], original)
        if module_prefix is None:
            for provider in list(_made):
                _unpatch_made(provider)


def _unpatch_made(provider: str) -> None:
    made = _made.pop(provider, None)
    for made_class, originals in list((made or {}).items()):
        for method, original in originals.items():
            setattr(made_class, method, original)


def when_imported(sdk_module: str, provider: str, apply: Callable[[], None]) -> None:
    """Runs ``apply`` now if ``sdk_module`` is imported, else at the moment it is imported;
    only while ``provider`` is wanted (revert() withdraws it)."""
    with _lock:
        _wanted.add(provider)
        if (provider, sdk_module) in _hooked:
            hook_needed = False
        else:
            _hooked.add((provider, sdk_module))
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


def withdraw(provider: str, sdk_modules: tuple[str, ...]) -> None:
    with _lock:
        _wanted.discard(provider)
        for sdk_module in sdk_modules:
            unpatch(sdk_module)
        _unpatch_made(provider)


def any_patched() -> bool:
    return bool(_patched)
