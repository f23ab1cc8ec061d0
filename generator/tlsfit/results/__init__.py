"""Result documents: what measurement writes and every later stage reads."""
