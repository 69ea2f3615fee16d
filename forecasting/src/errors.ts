/** Expected failures of forecasting jobs: a stable code and a message naming the series/file and what is missing. */
export class ForecastInputError extends Error {
  constructor(
    readonly code: 'MISSING_COLUMNS' | 'TOO_LITTLE_HISTORY' | 'BAD_VALUE' | 'NO_DATA' | 'NO_MODEL' | 'UNKNOWN_SERIES',
    message: string,
  ) {
    super(message);
    this.name = 'ForecastInputError';
  }
}
