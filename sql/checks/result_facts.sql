-- Check input: one row per current version with posted results (trials in dq_scope), with the
-- counts the results-consistency checks compare: participant flow, baseline, adverse events,
-- reported against registered primary outcomes. The rules and tolerances live in
-- expectations/result_checks.json; SQL reads the counts a curator would read.
WITH current_version AS (
    SELECT v.nct_id, v.version_key, v.enrollment_count, v.enrollment_type, v.intervention_model
    FROM fct_trial_version AS v
    WHERE v.is_current AND v.nct_id IN (SELECT nct_id FROM dq_scope)
      AND v.version_key IN (SELECT version_key FROM fct_version_result)
),
result_group AS (
    -- The groups of flow, baseline and adverse events. An overall column beside the arms
    -- repeats them: "Total", "Total Title", "Overall Study", "All Participants", "All Arms";
    -- not an arm named "All-2" or "Total Knee Arthroplasty". One definition for every part.
    SELECT g.version_key, g.result_part, g.group_id, g.title, g.serious_at_risk, g.other_at_risk, g.deaths_at_risk,
           regexp_matches(coalesce(g.title, ''),
               '(?i)^\s*(total|overall)( (title|study|population|participants|subjects|patients|group|sample))?\s*$'
               || '|^\s*all (participants|subjects|patients|randomi[sz]ed|enrolled|groups|arms)\s*$') AS is_overall
    FROM fct_version_result_group AS g
    WHERE g.version_key IN (SELECT version_key FROM current_version)
),
flow_group AS (
    SELECT version_key, group_id, title, is_overall FROM result_group WHERE result_part = 'FLOW'
),
started AS (
    -- STARTED counts participants (num_subjects) even when the flow also counts units such as eyes.
    SELECT f.version_key, f.period_index, f.period_title, f.group_id, f.num_subjects, g.title, f.comment,
           coalesce(g.is_overall, false) AND count(*) OVER (PARTITION BY f.version_key, f.period_index) > 1
               AS is_overall
    FROM fct_version_flow_count AS f
    LEFT JOIN flow_group AS g USING (version_key, group_id)
    WHERE f.flow_kind = 'MILESTONE' AND upper(trim(f.item_type)) = 'STARTED'
      AND f.version_key IN (SELECT version_key FROM current_version)
),
first_period AS (
    SELECT version_key, min(period_index) AS period_index FROM started GROUP BY version_key
),
first_started AS (
    SELECT s.version_key, any_value(s.period_title) AS first_period_title,
           CAST(sum(s.num_subjects) FILTER (WHERE NOT s.is_overall) AS BIGINT) AS started_first_period
    FROM started AS s
    JOIN first_period AS p ON p.version_key = s.version_key AND p.period_index = s.period_index
    GROUP BY s.version_key
),
group_entry AS (
    -- Designs whose cohorts enter in later periods ("Part A", "Part B"): each group counted at
    -- the first period where it has participants. A crossover or extension period repeats the
    -- same people, so this is only a second reading, never added to the first.
    SELECT version_key, group_id, arg_min(num_subjects, period_index) AS entered
    FROM started
    WHERE num_subjects > 0 AND NOT is_overall
    GROUP BY version_key, group_id
),
group_started AS (
    SELECT version_key, group_id, max(num_subjects) AS group_started,
           string_agg(comment, ' ') AS started_comments
    FROM started WHERE NOT is_overall GROUP BY version_key, group_id
),
crossover AS (
    -- Participants of a crossover move between groups: an adverse-event group (a treatment)
    -- is then compared with the whole trial, not with one flow group (a sequence), and its
    -- periods are the same people again, never cohorts to add up. The design says so, or,
    -- when it does not, the flow's titles ("Phase 1"/"Phase 2" periods say nothing).
    SELECT version_key FROM current_version WHERE intervention_model = 'CROSSOVER'
    UNION
    SELECT version_key
    FROM started
    WHERE regexp_matches(coalesce(period_title, '') || ' ' || coalesce(title, '') || ' ' || coalesce(comment, ''),
                         '(?i)cross-?over|switch')
),
flow AS (
    SELECT f.version_key, f.first_period_title, f.started_first_period,
           (SELECT CAST(sum(e.entered) AS BIGINT) FROM group_entry AS e WHERE e.version_key = f.version_key) AS started_on_entry,
           (SELECT count(DISTINCT s.period_index) FROM started AS s WHERE s.version_key = f.version_key) AS periods,
           -- Participants starting each period: a baseline taken after a run-in counts those who
           -- started the randomized period, not the run-in.
           (SELECT list(p.total ORDER BY p.period_index)
              FROM (SELECT s.period_index, CAST(sum(s.num_subjects) FILTER (WHERE NOT s.is_overall) AS BIGINT) AS total
                      FROM started AS s WHERE s.version_key = f.version_key GROUP BY s.period_index) AS p)
               AS started_per_period
    FROM first_started AS f
),
flow_reading AS (
    -- The flow's first period, unless another reading fits the enrollment (within the
    -- suite's tolerance: one participant or 2 %): cohorts that enter later, each group counted
    -- where it enters; each period a cohort of its own ("Phase 1", "Phase 2"), all periods.
    -- A crossover's periods are the same people: never added up. A whole-trial comparison
    -- takes the same reading, and a crossover its first period.
    SELECT f.*, x.version_key IS NOT NULL AS is_crossover,
           CASE WHEN abs(f.started_on_entry - c.enrollment_count) <= greatest(1, 0.02 * c.enrollment_count)
                THEN f.started_on_entry
                WHEN x.version_key IS NULL
                     AND abs(list_sum(f.started_per_period) - c.enrollment_count) <= greatest(1, 0.02 * c.enrollment_count)
                THEN CAST(list_sum(f.started_per_period) AS BIGINT)
                ELSE f.started_first_period END AS flow_started
    FROM flow AS f
    JOIN current_version AS c USING (version_key)
    LEFT JOIN crossover AS x USING (version_key)
),
trial_started AS (
    -- The whole trial started at least the reading that fits the enrollment and at least its
    -- largest period (a part that enrols its own cohort later: NCT00498433's Part 2 is 36 of 46,
    -- its first period 10); never all periods added up, which counts the same people again.
    SELECT version_key,
           CASE WHEN is_crossover THEN started_first_period
                ELSE greatest(flow_started, CAST(list_max(started_per_period) AS BIGINT)) END AS trial_started
    FROM flow_reading
),
baseline_denom AS (
    -- The baseline's overall count of participants: its "Total" column, else the sum of its
    -- groups. A baseline that counts only units (eyes, lesions) has no participant total.
    SELECT d.version_key, d.group_id, d.value, g.title, coalesce(g.is_overall, false) AS is_total
    FROM fct_version_result_denom AS d
    LEFT JOIN result_group AS g
           ON g.version_key = d.version_key AND g.result_part = 'BASELINE' AND g.group_id = d.group_id
    WHERE d.result_part = 'BASELINE' AND d.denom_level = 'PART'
      AND (d.units IS NULL OR regexp_matches(d.units, '(?i)^\s*(participants?|subjects?|patients?)\s*$'))
      AND d.version_key IN (SELECT version_key FROM current_version)
),
baseline AS (
    SELECT version_key,
           CASE WHEN count(*) = 1 THEN max(value)
                WHEN count(*) FILTER (WHERE is_total) = 1 THEN max(value) FILTER (WHERE is_total)
                ELSE CAST(sum(value) FILTER (WHERE NOT is_total) AS BIGINT) END AS baseline_overall
    FROM baseline_denom
    GROUP BY version_key
),
ae_group AS (
    -- Participants at risk per adverse-event group (serious, other, or deaths when that is all
    -- the group gives), matched to the flow group of the same title.
    SELECT a.version_key, a.group_id, a.title AS ae_group_title,
           greatest(a.serious_at_risk, a.other_at_risk, a.deaths_at_risk) AS at_risk,
           m.group_started IS NOT NULL AS matched,
           -- Its flow group's STARTED, else the whole trial's.
           coalesce(m.group_started, t.trial_started) AS compared_started,
           -- The flow's own comment on that group's STARTED may account for the difference
           -- ("Of the 41 pts, 3 were ineligible").
           coalesce(regexp_matches(m.started_comments, '(?i)ineligib|not eligible|exclu|\b'
               || greatest(a.serious_at_risk, a.other_at_risk, a.deaths_at_risk) || '\b'), false) AS explained
    FROM result_group AS a
    LEFT JOIN (
        -- Titles compared without case, spaces or punctuation, but "S+" is not "S-" and
        -- "<66 Years" is not ">= 66 Years".
        SELECT fg.version_key, regexp_replace(lower(fg.title), '[\s.,;:()''"_]+', '', 'g') AS title_key,
               max(gs.group_started) AS group_started, string_agg(gs.started_comments, ' ') AS started_comments
        FROM flow_group AS fg JOIN group_started AS gs USING (version_key, group_id)
        WHERE fg.version_key NOT IN (SELECT version_key FROM crossover)
        GROUP BY ALL
    ) AS m ON m.version_key = a.version_key
          AND m.title_key = regexp_replace(lower(a.title), '[\s.,;:()''"_]+', '', 'g')
    LEFT JOIN trial_started AS t ON t.version_key = a.version_key
    WHERE a.result_part = 'ADVERSE_EVENTS' AND NOT a.is_overall
),
ae_vs_flow AS (
    -- The group with the most participants at risk beyond those who started it (its own flow
    -- group, or the whole trial when no flow group has its title): one finding per trial.
    -- Every value is that one group's, and a tie goes to the group listed first: picked field
    -- by field, tied groups gave whichever the plan met first, even a title from one group and
    -- counts from another.
    SELECT version_key, pick.*
    FROM (
        SELECT a.version_key,
               arg_min({'ae_group_title': a.ae_group_title, 'ae_at_risk': a.at_risk,
                        'ae_group_started': a.compared_started, 'ae_group_matched': a.matched,
                        'ae_at_risk_minus_started': a.at_risk - a.compared_started},
                       {'shortfall': a.compared_started - a.at_risk, 'group_id': a.group_id}) AS pick
        FROM ae_group AS a
        WHERE a.at_risk IS NOT NULL AND a.compared_started IS NOT NULL AND NOT a.explained
        GROUP BY a.version_key
    )
),
outcome_title AS (
    SELECT version_key, 'REPORTED' AS side, title
    FROM fct_version_result_measure
    WHERE result_part = 'OUTCOME' AND outcome_type = 'PRIMARY'
      AND version_key IN (SELECT version_key FROM current_version)
    UNION ALL
    SELECT version_key, 'REGISTERED', measure
    FROM fct_version_outcome
    WHERE outcome_kind = 'PRIMARY' AND version_key IN (SELECT version_key FROM current_version)
),
outcome_words AS MATERIALIZED (
    -- An outcome title as a curator compares it: words, without case, punctuation, stop words
    -- or the time frame ("at Week 12", "after 6 months"), which a rewording may move about.
    -- Materialized: computed once for its four readers (the words of 585,000 titles at 570k
    -- trials took 1.7 s each time).
    SELECT row_number() OVER () AS title_id, version_key, side, title,
           list_distinct(list_filter(string_split_regex(lower(title), '[^a-z0-9]+'), lambda w: w <> ''
               AND NOT regexp_full_match(w, '\d+')
               AND NOT list_contains(['a', 'an', 'the', 'of', 'in', 'on', 'at', 'to', 'for', 'and', 'or', 'with', 'by',
                   'from', 'as', 'over', 'until', 'up', 'through', 'within', 'between', 'during', 'week', 'weeks',
                   'wk', 'month', 'months', 'mo', 'day', 'days', 'year', 'years', 'yr', 'hour', 'hours', 'hr', 'h',
                   'minute', 'minutes', 'min', 'visit', 'time', 'frame', 'period', 'endpoint', 'end', 'final'], w)))
               AS words
    FROM outcome_title
),
title_word AS (
    SELECT title_id, version_key, side, unnest(words) AS word FROM outcome_words
),
shared_words AS (
    -- How many words two titles of a trial's two sides share (pairs sharing none are absent).
    SELECT o.title_id AS o_id, p.title_id AS p_id, count(*) AS shared
    FROM title_word AS o
    JOIN title_word AS p ON p.version_key = o.version_key AND p.word = o.word AND p.side <> o.side
    GROUP BY ALL
),
matched_title AS (
    -- A title matches one of the other side when either's words are all in the other: they
    -- share as many words as one of them has. Counted on words, not compared as lists carried
    -- through a join of every pair: the unmatched titles of 570k trials took 7.0-7.7 s that
    -- way, 4.0 s this way (1.7 s of it the words themselves).
    SELECT DISTINCT o.title_id
    FROM outcome_words AS o
    JOIN outcome_words AS p ON p.version_key = o.version_key AND p.side <> o.side
    LEFT JOIN shared_words AS s ON s.o_id = o.title_id AND s.p_id = p.title_id
    WHERE coalesce(s.shared, 0) IN (len(o.words), len(p.words))
),
unmatched_outcome AS (
    -- A title on one side whose words no title on the other side holds (or is held by).
    SELECT version_key, side, title FROM outcome_words WHERE title_id NOT IN (SELECT title_id FROM matched_title)
),
title_count AS (
    SELECT version_key,
           count(*) FILTER (WHERE side = 'REPORTED') AS reported,
           count(*) FILTER (WHERE side = 'REGISTERED') AS registered
    FROM outcome_words
    GROUP BY version_key
),
unmatched_count AS (
    SELECT version_key,
           count(*) FILTER (WHERE side = 'REPORTED') AS reported,
           min(title) FILTER (WHERE side = 'REPORTED') AS reported_example,
           count(*) FILTER (WHERE side = 'REGISTERED') AS registered,
           min(title) FILTER (WHERE side = 'REGISTERED') AS registered_example
    FROM unmatched_outcome
    GROUP BY version_key
),
outcomes AS (
    SELECT c.version_key,
           coalesce(t.reported, 0) AS reported_primary_outcomes,
           coalesce(t.registered, 0) AS registered_primary_outcomes,
           coalesce(u.reported, 0) AS reported_primary_not_registered,
           u.reported_example AS reported_primary_example,
           coalesce(u.registered, 0) AS registered_primary_not_reported,
           u.registered_example AS registered_primary_example
    FROM current_version AS c
    LEFT JOIN title_count AS t USING (version_key)
    LEFT JOIN unmatched_count AS u USING (version_key)
),
final AS (
    SELECT
        c.nct_id, c.version_key, c.enrollment_count, c.enrollment_type,
        r.pre_assignment_details, r.recruitment_details, r.baseline_population_description,
        r.flow_units_analyzed, r.baseline_units_analyzed,
        f.first_period_title, f.periods, f.started_first_period, f.started_on_entry, f.started_per_period,
        f.is_crossover, f.flow_started,
        b.baseline_overall,
        -- The period whose STARTED is closest to the baseline count (after a run-in, the
        -- baseline describes those randomized in the next period); all periods together only
        -- where they can be cohorts, not in a crossover.
        list_sort(list_transform(list_concat(f.started_per_period, [f.started_on_entry],
                                             CASE WHEN NOT f.is_crossover THEN [CAST(list_sum(f.started_per_period) AS BIGINT)] END),
                  lambda n: [abs(n - b.baseline_overall), n]))[1][2] AS baseline_flow_started,
        a.ae_group_title, a.ae_at_risk, a.ae_group_started, a.ae_group_matched, a.ae_at_risk_minus_started,
        o.reported_primary_outcomes, o.registered_primary_outcomes, o.reported_primary_not_registered,
        o.reported_primary_example, o.registered_primary_not_reported, o.registered_primary_example
    FROM current_version AS c
    JOIN fct_version_result AS r ON r.version_key = c.version_key AND r.ordinal = 0
    LEFT JOIN flow_reading AS f ON f.version_key = c.version_key
    LEFT JOIN baseline AS b ON b.version_key = c.version_key
    LEFT JOIN ae_vs_flow AS a ON a.version_key = c.version_key
    LEFT JOIN outcomes AS o ON o.version_key = c.version_key
)
SELECT *,
       CASE flow_started WHEN started_first_period THEN 'its first period, "' || coalesce(first_period_title, 'untitled') || '"'
            WHEN started_on_entry THEN 'each group counted in the period it enters'
            ELSE 'its ' || periods || ' periods together, each a cohort of its own' END AS flow_started_reading,
       CASE WHEN ae_group_matched THEN 'the flow group of that title'
            WHEN is_crossover THEN 'the first period of the crossover (no flow group has that title)'
            ELSE 'the whole trial (no flow group has that title)' END
           AS ae_compared_with,
       flow_started - enrollment_count AS started_minus_enrolled,
       abs(flow_started - enrollment_count) AS started_enrolled_gap,
       abs(baseline_overall - baseline_flow_started) AS baseline_started_gap,
       100.0 * abs(flow_started - enrollment_count) / nullif(enrollment_count, 0) AS started_enrolled_gap_percent,
       -- Fewer started than enrolled is normal when the flow says why (screen failures, a run-in,
       -- participants not assigned): the pre-assignment or recruitment details explain the gap.
       coalesce(regexp_matches(coalesce(pre_assignment_details, '') || ' ' || coalesce(recruitment_details, ''),
           '(?i)exclu|ineligib|not eligible|screen(ing)? fail|fail(ed|ure)|withdr|drop|discontinu|run-?in|wash-?out|lead-?in|titration|'
           || '\bnot (be )?(randomi|assign|allocat|treat|dos|vaccinat|start|enter|receiv|includ|proceed|analy)|'
           || '\bnever\b|prior to (randomi|assign|allocat|treat|dos|start)|before (randomi|assign|allocat|treat|dos|start)|'
           || 'removed|declin|cancel|did not|were randomi[sz]ed|registered|consent|lost|\breceiv')
           -- or they give the count that explains it ("Of 234 participants enrolled, 209 received");
           -- a flow that started no one is not explained by any "0" ("Week 0").
           OR regexp_matches(coalesce(pre_assignment_details, '') || ' ' || coalesce(recruitment_details, ''),
               '\b(' || enrollment_count || CASE WHEN flow_started > 0 THEN '|' || flow_started ELSE '' END || ')\b'),
           false) AS flow_gap_explained,
       baseline_overall - baseline_flow_started AS baseline_minus_started,
       100.0 * abs(baseline_overall - baseline_flow_started) / nullif(baseline_flow_started, 0)
           AS baseline_started_gap_percent,
       -- A baseline population smaller than those who started is normal when its description
       -- (or the pre-assignment details) names the subset: treated, evaluable, with data, excluded.
       coalesce(regexp_matches(coalesce(baseline_population_description, '') || ' ' || coalesce(pre_assignment_details, ''),
           '(?i)exclu|eligib|randomi|evaluab|at least one|received|treated|dosed|\bmitt\b|modified|per[- ]protocol|safety|complet|'
           || 'available|missing|without|withdr|discontinu|did not|not (receive|dosed|treated|included|have|analy)|'
           || 'who (had|received|were|took)|with (data|a |at least|baseline|valid|complete)|only|subset|subgroup'), false)
           AS baseline_gap_explained,
       -- A group that STARTED 0 has no percentage; the rule flags it by its count alone.
       100.0 * ae_at_risk_minus_started / nullif(ae_group_started, 0) AS ae_excess_percent,
       -- When no one STARTED anywhere, the flow is what is missing, not one group's count.
       CASE WHEN list_sum(started_per_period) = 0
            THEN ' Every STARTED count in the participant flow is 0: the flow, not this group, is what is missing.'
            ELSE '' END AS ae_flow_note
FROM final
ORDER BY nct_id;
