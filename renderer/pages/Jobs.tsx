import { Route, Routes } from 'react-router-dom';
import { JobForm } from '../jobs/JobForm';
import { JobList } from '../jobs/JobList';

/** The Jobs area: the list (/jobs), a new job (/jobs/new) and editing one (/jobs/:jobId/edit). */
export function Jobs() {
  return (
    <Routes>
      <Route index element={<JobList />} />
      <Route path="new" element={<JobForm />} />
      <Route path=":jobId/edit" element={<JobForm />} />
      <Route path="*" element={<p>That page does not exist.</p>} />
    </Routes>
  );
}
