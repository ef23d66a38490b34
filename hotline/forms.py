"""What every page's forms share: select options in the form WTForms wants them."""
from wtforms.fields.choices import SelectChoice


def options(pairs):
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]
