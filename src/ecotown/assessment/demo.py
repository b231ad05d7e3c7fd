"""Demo data of the assessment capability, loaded by ecotown.core.demo after the registry."""


def load(ctx: dict) -> dict:
    return {}
