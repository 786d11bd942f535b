"""Tracing: a call's span, from the patched SDK method to the recorded span handed to the export.

patching     wrapt patches and their bookkeeping (patch once, revert exactly, SDKs imported later)
provider     what every provider's autolog() does (ProviderPatches)
kinds        what a provider declares: its kinds of call (Kind), its SDK's classes (Provider)
call         the one wrapper every patched method goes through, and a call's span (Call)
streams      transparent proxies for streams, generators and stream managers
raw_responses  with_raw_response / with_streaming_response
spans        starting a call's span: recorded by the package, or MLflow's live span
records      the recorded span (plain data, ended on the caller's thread, exported in batches)
previews, attachments, redaction, text   what the span records, and how it is bounded
"""
