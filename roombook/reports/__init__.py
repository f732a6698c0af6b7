"""The council's report: how the rooms were used, whether every accommodation got its offers, the volunteers'
work — over a period, for the city or a manager's accommodations. Plain functions over a session
(`utilisation`, `shortfalls` for coverage over a period, `volunteer_work`, on the parts of `periods`), the report
as tables (`council`), and its outputs: charts (`charts`), CSV and XLSX (`exports`)."""
