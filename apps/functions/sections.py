"""The function page's panels that other apps register (``apps.core.sections``): the page shows them
below its own cards, in their order. Contracts adds the contracts covering the function."""

# The panels of the function page (``templates/functions/function_detail.html``).
FUNCTION_PAGE = "functions.function"
