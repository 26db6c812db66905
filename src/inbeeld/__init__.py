"""InBeeld: brings victims of human trafficking into view, safely."""
