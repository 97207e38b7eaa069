"""Small factories shared by tests: synthetic audio, scripted scenarios, utterances."""
