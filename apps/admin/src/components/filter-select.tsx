// One labelled "Any | …" filter select, shared by the cases table and the search playground.

export function FilterSelect({
  id,
  name,
  label,
  options,
  defaultValue = "",
  format = (value) => value,
}: {
  id: string;
  name: string;
  label: string;
  options: readonly string[];
  defaultValue?: string;
  format?: (value: string) => string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={defaultValue}>
        <option value="">Any</option>
        {options.map((value) => (
          <option key={value} value={value}>
            {format(value)}
          </option>
        ))}
      </select>
    </div>
  );
}
