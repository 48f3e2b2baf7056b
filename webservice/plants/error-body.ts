/** The body of every plant-route error response, as the original service sent it. */
export interface PlantsErrorBody {
  detail: string;
}
