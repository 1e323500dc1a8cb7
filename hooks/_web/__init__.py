"""Web files: templates and HTML (markup), stylesheets (stylesheet)."""
