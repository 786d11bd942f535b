"""Span attributes read from OpenAI requests and responses: token usage, tools, provider."""
from __future__ import annotations

from typing import Any, Mapping

from mlflow.tracing.constant import TokenUsageKey

from .._tracing.kinds import field, tools_from


def _cached(details: Any) -> int | None:
    return field(details, "cached_tokens") if details is not None else None


def _token_usage(response: Any, input_key: str, output_key: str, details_key: str) -> dict[str, int] | None:
    usage = field(response, "usage")
    if usage is None:
        return None
    inp, out_tokens = field(usage, input_key), field(usage, output_key)
    if inp is None and out_tokens is None:
        return None
    inp, out_tokens = inp or 0, out_tokens or 0
    total = field(usage, "total_tokens")
    out = {
        TokenUsageKey.INPUT_TOKENS: inp,
        TokenUsageKey.OUTPUT_TOKENS: out_tokens,
        TokenUsageKey.TOTAL_TOKENS: total if total is not None else inp + out_tokens,
    }
    if (cached := _cached(field(usage, details_key))) is not None:
        out[TokenUsageKey.CACHE_READ_INPUT_TOKENS] = cached
    return out


def chat_usage(response: Any) -> dict[str, int] | None:
    """chat.completions and legacy completions: prompt_tokens / completion_tokens."""
    return _token_usage(response, "prompt_tokens", "completion_tokens", "prompt_tokens_details")


def responses_usage(response: Any) -> dict[str, int] | None:
    """Responses API: input_tokens / output_tokens."""
    return _token_usage(response, "input_tokens", "output_tokens", "input_tokens_details")


def embedding_usage(response: Any) -> dict[str, int] | None:
    usage = field(response, "usage")
    if usage is None or field(usage, "prompt_tokens") is None:
        return None
    prompt = field(usage, "prompt_tokens")
    total = field(usage, "total_tokens")
    return {TokenUsageKey.INPUT_TOKENS: prompt, TokenUsageKey.TOTAL_TOKENS: total if total is not None else prompt}


def with_choices(response: Any) -> Any:
    """A server that answers 200 with something else gives an SDK object without choices
    (the SDK does not validate); it is recorded with an empty list so it still reads as one."""
    if isinstance(response, dict) or getattr(response, "choices", None) is not None:
        return response
    out = response.model_dump(mode="json")
    out["choices"] = []
    return out


def _as_chat_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    kind = tool.get("type") or "function"
    fn = tool.get("function")
    if kind == "function" and isinstance(fn, Mapping):  # chat.completions
        return {"type": "function", "function": dict(fn)}
    if kind == "function":  # Responses API: the function's fields sit on the tool itself
        spec = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
        return {"type": "function", "function": spec}
    # a built-in tool (web_search, file_search, custom, ...): named for what it is
    spec = {"name": tool.get("name") or kind}
    if tool.get("description"):
        spec["description"] = tool["description"]
    return {"type": "function", "function": spec}


def chat_tools(kwargs: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    return tools_from(kwargs, _as_chat_tool)


_COMPATIBLE_SERVERS = (("deepseek", "deepseek"), ("openrouter", "openrouter"), ("azure", "azure"),
                       ("ollama", "ollama"), ("groq", "groq"), ("mistral", "mistral"), ("together", "together"),
                       ("fireworks", "fireworks"), ("x.ai", "xai"), ("perplexity", "perplexity"))


def provider_name(resource: Any) -> str | None:
    """'openai', or the OpenAI-compatible server the client's base_url points at; None for a host
    the package cannot identify (vLLM, LM Studio, a gateway), recorded as 'openai', the API it speaks."""
    client = getattr(resource, "_client", None)
    if client is None:
        return "openai"
    if "Azure" in type(client).__name__:
        return "azure"
    url = client.base_url
    host = url.host or ""
    if host == "openai.com" or host.endswith(".openai.com"):
        return "openai"
    for needle, name in _COMPATIBLE_SERVERS:
        if needle in host:
            return name
    if url.port == 11434:  # Ollama's default port
        return "ollama"
    return None


def media_usage(response: Any) -> dict[str, int] | None:
    """gpt-image models' and the gpt-4o transcription models' usage: input / output / total tokens
    (a transcription billed by duration has none)."""
    usage = field(response, "usage")
    if usage is None or field(usage, "input_tokens") is None:
        return None
    return _token_usage(response, "input_tokens", "output_tokens", "__none__")


def audio_seconds(response: Any) -> dict[str, Any]:
    usage = field(response, "usage")
    if usage is not None and field(usage, "type") == "duration":
        return {"autolog.audio.seconds": field(usage, "seconds")}
    return {}


def transcript(response: Any) -> Any:
    """response_format text, srt or vtt: the SDK returns a plain string."""
    return {"text": response} if isinstance(response, str) else response


def speech(response: Any) -> Any:
    """audio.speech returns the audio's bytes: recorded as an MLflow attachment, with its media
    type and size. openai gives an HttpxBinaryResponseContent (``.response``), Stainless SDKs such
    as groq a BinaryAPIResponse (``.http_response``); a body streamed to the caller
    (with_streaming_response) is not read here, and only its media type is recorded."""
    http = getattr(response, "response", None)
    if http is None:
        http = getattr(response, "http_response", None)
    if http is None:
        return response
    media_type = ((getattr(http, "headers", None) or {}).get("content-type") or "application/octet-stream").split(";")[0]
    try:
        content = http.content
    except Exception:  # httpx.ResponseNotRead: the caller streams the body
        return {"media_type": media_type}
    if not isinstance(content, (bytes, bytearray)):
        return response
    from .._tracing.attachments import Attachment

    audio = Attachment(content_type=media_type, content_bytes=bytes(content)) if Attachment is not None else None
    return {"media_type": media_type, "size": len(content), **({"audio": audio} if audio is not None else {})}
