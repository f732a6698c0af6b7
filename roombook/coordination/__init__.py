"""City-wide coordination: offers and their categories, coverage of the council's minimums, volunteers."""
