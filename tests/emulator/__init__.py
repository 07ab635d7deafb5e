"""Tests of the API emulator in qoder_async.testing."""
