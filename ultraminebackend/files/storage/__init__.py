"""Storing and linking files: storage roles, generated names, model and serializer fields, URLs,
local serving, and the undo and cleanup that keep rows and files together."""
