"""EcoTown — software for an Eco-Industrial Town programme."""

__version__ = "0.1.0"
