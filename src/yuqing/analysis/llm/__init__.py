"""An organization's own language model, reached through an OpenAI-compatible endpoint.

Off by default: nothing here runs unless YUQING_LLM_URL is set (docs/llm.md). The shipped
model stays the fallback for every label, and drafts are proposals a person edits.
"""
