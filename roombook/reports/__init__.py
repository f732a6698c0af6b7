"""The council's report: how the rooms were used, whether every accommodation got its offers, the volunteers'
work — over a period, for the city or a manager's accommodations. Plain functions over a session (`periods`,
`utilisation`, `coverage`, `volunteers`), the report's tables (`tables`), and its outputs: charts (`charts`),
CSV and XLSX (`exports`)."""
