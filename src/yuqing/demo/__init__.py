"""The bundled demo: a fictional county's watches and a scenario of posts."""
