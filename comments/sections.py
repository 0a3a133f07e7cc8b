"""What the comments app contributes to the proposal page."""


def proposal_section(request, proposal, refusal) -> dict:
    return {}
