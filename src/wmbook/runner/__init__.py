"""Running the examples in the reader's browser: Pyodide in a Web Worker, with the page's sessions."""
