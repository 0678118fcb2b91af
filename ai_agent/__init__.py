"""AI agent: image generation with Gemini (or the offline placeholder) and its history."""
