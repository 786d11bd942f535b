"""What a provider module declares: its SDK's response classes, and the kinds of call it patches."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Protocol


class Accumulator(Protocol):
    """Assembles a stream's items into what the non-streaming call returns.

    ``add`` does O(1) work per item and serializes nothing; ``result`` builds the object once."""

    def add(self, item: Any) -> None: ...

    def result(self) -> Any: ...

    # optional: failure() -> an exception describing an error the stream reported without the SDK
    # raising it (the span then ends in error), or None


@dataclasses.dataclass(frozen=True)
class Provider:
    name: str
    message_format: str
    stream_types: tuple[type, ...]  # sync streams returned by create(stream=True)
    async_stream_types: tuple[type, ...]
    read_response_types: tuple[type, ...]  # with_raw_response: the body is already read
    open_response_types: tuple[type, ...]  # with_streaming_response: the body is read on demand
    # the server a call goes to, from the resource it is made on (an OpenAI-compatible server
    # behind base_url is named for what it is); None for a server the package cannot identify
    resolve_name: Callable[[Any], str | None] | None = None
    # the attribute of what an entered stream manager (Target.deferred) returns that holds the raw
    # stream: the SDK's helper stream's (openai, anthropic), or the data of cohere's HttpResponse
    entered_stream: str = "_raw_stream"
    # streams one class serves both ways, iterated with for or async for as the caller chooses
    # (LiteLLM's CustomStreamWrapper): close() and aclose() are proxied as the class has them
    dual_stream_types: tuple[type, ...] = ()
    # the request argument that names the model (botocore's Bedrock client: modelId)
    model_arg: str = "model"

    def server_of(self, resource: Any) -> str | None:
        if self.resolve_name is None:
            return self.name
        try:
            return self.resolve_name(resource)
        except Exception:
            return None


@dataclasses.dataclass(frozen=True)
class RequestChange:
    """What the package changes in a request it traces: the keyword arguments sent instead, the
    stream items the caller must not see because of the change, and what the span says of it."""

    kwargs: Mapping[str, Any]
    hide: Callable[[Any], bool] | None = None
    attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of call (chat, embeddings, messages, ...): how its span is typed and filled."""

    name: str
    span_type: str
    provider: Provider
    # usage(response) -> {input_tokens, output_tokens, total_tokens, ...} or None;
    # response is the SDK object, or the dict an accumulator built
    usage: Callable[[Any], Mapping[str, int] | None]
    new_accumulator: Callable[[], Accumulator] | None = None
    # tools(kwargs) -> MLflow chat tools ({"type": "function", "function": {...}}) or None
    tools: Callable[[Mapping[str, Any]], list | None] | None = None
    chat: bool = True  # carries mlflow.message.format
    # output(response) -> what the span records as outputs, when the SDK object needs mending
    output: Callable[[Any], Any] | None = None
    # the trace list's previews, read from the recorded inputs / outputs (see _previews)
    request_preview: Callable[[Any], str | None] | None = None
    response_preview: Callable[[Any], str | None] | None = None
    # extra(response) -> more span attributes read from the response
    extra: Callable[[Any], Mapping[str, Any]] | None = None
    # request_extra(call mapping) -> more span attributes read from the request, e.g. the provider
    # a wrapper SDK routes the call to (mlflow.llm.provider), known before any response
    request_extra: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    # applies(args, kwargs) -> False for a call this patched method serves that is not of this
    # kind (a method that dispatches several kinds of call): it runs untraced
    applies: Callable[[tuple, Mapping[str, Any]], bool] | None = None
    # nests(kwargs) -> True when the call runs other calls the package traces as its children (the
    # SDK's own model requests, the user's functions): its span is then MLflow's current span
    nests: Callable[[Mapping[str, Any]], bool] | None = None
    # the call runs the user's own code (a function the SDK calls): its span is current, and every
    # call made inside is traced, as under @mlflow.trace
    user_code: bool = False
    # bind(args, kwargs) -> the mapping the span is made from, for a method called positionally
    bind: Callable[[tuple, Mapping[str, Any]], Mapping[str, Any]] | None = None
    # span_name(call mapping) -> the span's name, where the class and method would not say it
    span_name: Callable[[Mapping[str, Any]], str] | None = None
    # inputs(kwargs) -> what the span records of the request, where the SDK's objects need converting
    inputs: Callable[[Mapping[str, Any]], Any] | None = None
    # request_messages(recorded inputs) / response_messages(recorded outputs) -> the conversation as
    # OpenAI-style chat messages, recorded as mlflow.chat.messages, which the MLflow UI renders before
    # trying any message format: for SDKs whose request or response shape no UI format reads
    request_messages: Callable[[Any], list | None] | None = None
    response_messages: Callable[[Any], list | None] | None = None
    takes_files: bool = False  # files in the request are recorded as name, media type and size
    # change_request(kwargs, server (None: one the package cannot identify), stream_usage option)
    # -> RequestChange or None
    change_request: Callable[[Mapping[str, Any], str | None, bool | None], RequestChange | None] | None = None
    # span_type_of(kwargs) -> the span type of one call, where one method serves several (Bedrock's
    # invoke_model runs chat, embedding and rerank models alike); span_type otherwise
    span_type_of: Callable[[Mapping[str, Any]], str] | None = None
    # watch(result, call) -> what the caller gets, for a result that holds what the call still has
    # to deliver (botocore's response dicts hold an EventStream or an unread body): the provider
    # hands the caller its transparent proxies, which end the call's span once the caller is done;
    # None when there is nothing to wait for and the span ends now
    watch: Callable[[Any, Any], Any] | None = None


def field(obj: Any, name: str, default: Any = None) -> Any:
    """Reads a field from an SDK model or from a dict an accumulator built."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class _Attributes:
    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self.obj, name, default)

    def __getitem__(self, name: str) -> Any:
        return getattr(self.obj, name, None)


def fields_of(obj: Any) -> Mapping[str, Any]:
    """An SDK object's fields as a mapping, for the code that runs once per stream item: a pydantic
    model's ``__dict__``, a dict as it is, anything else read attribute by attribute. (pydantic
    gives its models a ``__getattr__``, which sends every attribute read through Python's slow
    path: about twice the cost of a dict subscript. A model an SDK builds has every field it
    declares in its ``__dict__``; a dict may lack a key, so a subscript needs a ``get`` fallback.)"""
    if type(obj) is dict:
        return obj
    try:
        return obj.__dict__
    except AttributeError:
        return _Attributes(obj)


def fields_and_extras(obj: Any) -> Mapping[str, Any]:
    """``fields_of``, with the fields a pydantic model took beyond those it declares (its
    ``__pydantic_extra__``) in the same mapping: for SDKs that set fields as extras (LiteLLM sets
    most of a chunk's so), or whose older releases do not declare a field the wire carries.
    Through ``getattr`` an extra costs ~0.8 µs and a field the model lacks, which pydantic answers
    with an AttributeError, ~2 µs; a lookup here costs a few hundredths of that."""
    if type(obj) is dict:
        return obj
    try:
        values, extra = obj.__dict__, obj.__pydantic_extra__
    except AttributeError:
        return fields_of(obj)
    return {**values, **extra} if extra else values


def tools_from(kwargs: Mapping[str, Any], convert: Callable[[Mapping[str, Any]], dict]) -> list[dict] | None:
    """The call's ``tools``, each as an MLflow chat tool ({"type": "function", "function": {...}})."""
    tools = kwargs.get("tools")
    if not isinstance(tools, (list, tuple)):
        return None
    return [convert(t) for t in tools if isinstance(t, Mapping)] or None
