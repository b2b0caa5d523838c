from tests.audio.speech import speech  # noqa: F401  (session fixture)
